"""Node-level checks."""
