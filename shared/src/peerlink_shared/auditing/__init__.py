"""The audit trail: its entries, its store and the middleware that writes them."""
