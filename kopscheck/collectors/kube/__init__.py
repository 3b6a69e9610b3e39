"""The live Kubernetes reader: the official `kubernetes` client over real HTTP, read-only.

`kubeconfig` says which cluster and which credentials; `client` sends each request with
timeouts, retries and backoff; `bounds` caps every body, page count and the scan's deadline;
`reader` lists each kind once, paginated and concurrently; `nodes` reads per-node facts
(configz, kubelet logs) least privilege first. Only `GET` requests: writing is `probes`' job.
Importing this package imports `kubernetes`, so only the live path does.
"""
