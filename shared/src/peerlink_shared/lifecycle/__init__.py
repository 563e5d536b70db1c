"""What every service shares when a person asks what is held or to be forgotten."""
