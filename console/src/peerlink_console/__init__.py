"""PeerLink's web console: server-rendered pages that call the services with the user's token."""
