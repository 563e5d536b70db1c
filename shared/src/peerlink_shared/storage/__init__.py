"""MongoDB: the client and documents that expire."""
