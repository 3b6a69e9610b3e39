"""net checks."""
