"""kubelet checks."""
