"""pod checks."""
