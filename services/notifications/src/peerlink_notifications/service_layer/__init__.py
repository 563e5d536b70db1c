"""Notifications' use cases: telling people of session events, sending deliveries, keeping
contacts, forgetting a person. They reach storage and the outside only through `ports`."""
