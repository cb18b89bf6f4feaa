"""The JSON API (version 1): thin routers over the domain actions and queries."""
