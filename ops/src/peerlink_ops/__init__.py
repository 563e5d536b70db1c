"""PeerLink's on-call tools. No service imports them."""
