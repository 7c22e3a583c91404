"""PostgreSQL backend that carries the tenant context (and an optional role) on every connection."""
