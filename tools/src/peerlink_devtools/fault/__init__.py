"""The fault suite: faults done on purpose, and an oracle that says what must survive them."""
