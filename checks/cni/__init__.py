"""cni checks."""
