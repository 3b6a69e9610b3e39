"""kops and Kubernetes knowledge: networking modes, versions, kubelet flags, messages, routes."""
