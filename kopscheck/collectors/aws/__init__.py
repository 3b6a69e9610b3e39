"""The AWS reader and the kops state store, through boto3 (imported only when used).

`reader`: read-only EC2, Auto Scaling and Service Quotas calls for the route-table checks,
each query bounded by `--max-pages` and the scan's deadline. `state_store`: the kops cluster
spec and instance groups from `s3://` (or `file://`) as `kops get -o yaml` would print them.
Nothing here writes to AWS.
"""
