"""Search: the catalogue of named nodes and the free-text index over it."""
