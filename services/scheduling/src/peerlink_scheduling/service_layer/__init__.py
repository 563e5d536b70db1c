"""Scheduling's use cases, over the ports in `ports.py`."""
