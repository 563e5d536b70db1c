"""Notifications' pure rules: message texts. Imports only the standard library."""
