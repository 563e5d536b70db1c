"""Developer tools: not deployed; used by the demo and the end-to-end tests."""
