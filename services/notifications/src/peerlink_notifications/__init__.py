"""Notifications: the only holder of contact details; tells people what concerns them."""
