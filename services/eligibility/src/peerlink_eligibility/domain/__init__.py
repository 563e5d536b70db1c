"""Eligibility's pure rules. Imports only the standard library."""
