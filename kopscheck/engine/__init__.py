"""Runs checks: the registry, the runner, and the diagnosis that links results."""
