"""Collectors: the only code that reads input files or talks to the network.

One sub-package per source, each returning plain facts for a `Snapshot`:

    kube/      the live Kubernetes API (official client, read-only, bounded)
    aws/       AWS (EC2, Auto Scaling, Service Quotas) and the kops state store, read-only
    offline/   bundle directories, `cluster-info dump` (directory and stream), List files
    probes/    the only code that writes to a cluster: probe pods and the node agent
    formats/   parsers of the real formats, shared by every source
    output/    what leaves kopscheck: redaction, sanitising, atomic files, the bundle writer

`live` joins the Kubernetes and state-store readers into one live collection; `options` holds
the source flags `check` and `collect` share. Offline readers import nothing heavy; `kube`
and `aws` import `kubernetes` and `boto3`, so only a live source loads them.
"""
