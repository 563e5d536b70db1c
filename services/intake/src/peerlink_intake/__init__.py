"""Intake: centres and persons' facts, from coordinators (HTTP) and clinic systems."""
