"""In-memory stand-ins for the edges (outbox, repositories, transports), for service-layer
tests that run in milliseconds. Each keeps the contract of the real adapter it replaces; the
real ones are tested against the real servers in tests/integration."""
