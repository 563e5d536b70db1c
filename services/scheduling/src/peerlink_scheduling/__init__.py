"""Scheduling: session requests, who is eligible where, and assignments."""
