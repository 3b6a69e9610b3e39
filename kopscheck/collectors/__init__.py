"""Collectors: the only code that reads input files or talks to the network.

Each returns a `Snapshot`. Offline collectors (bundle, dump) import nothing heavy; the live
ones import `kubernetes` and `boto3` only when a live source is used.
"""
