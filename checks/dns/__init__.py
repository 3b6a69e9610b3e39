"""Cluster DNS checks."""
