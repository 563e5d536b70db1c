"""PeerLink's shared library: contracts and plumbing that every service imports, never runs."""
