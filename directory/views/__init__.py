"""Directory pages, one module per page family."""
