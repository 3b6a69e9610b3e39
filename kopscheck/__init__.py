"""kopscheck: validate and troubleshoot the networking of kops-built Kubernetes clusters."""

__version__ = "0.1.0"
