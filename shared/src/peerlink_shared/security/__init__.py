"""Who a bearer token speaks for: the rules, local HS256 tokens, OIDC tokens and their settings."""
