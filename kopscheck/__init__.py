"""kopscheck: validate and troubleshoot the networking of kops-built Kubernetes clusters."""

__version__ = "0.1.0"
# What healthy kops networking means, linked from help, `explain` and the report's last line.
DOCS_URL = "https://kops.sigs.k8s.io/networking/"
