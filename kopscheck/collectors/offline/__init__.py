"""Offline readers: a bundle directory (CONTRACT §4), a `kubectl cluster-info dump` in its
directory or single-stream form, and `kubectl get -o json` List files.

Every file goes through `files` (regular files only, non-blocking open, a byte cap from
`limits`); a malformed or refused file is one `InputError` naming it (exit 2).
"""
