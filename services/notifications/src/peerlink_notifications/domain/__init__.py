"""Notifications' pure rules: texts, contacts and consent, quiet hours, retries.

Imports only the standard library.
"""
