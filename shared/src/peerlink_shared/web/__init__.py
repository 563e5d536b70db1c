"""The HTTP side every service shares: the app, token dependencies, refusals, strict inputs, body
limits, serving, and the audit and held-data routes.
"""
