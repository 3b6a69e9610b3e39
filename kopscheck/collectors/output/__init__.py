"""What leaves kopscheck's hands: the redaction policy, the object sanitiser, atomic output
files and the bundle writer.

`redact` blanks credentials out of free text (logs, messages); `sanitise` decides what a
Kubernetes object may carry into a bundle or a report; `atomic_files` writes reports and
bundles through a temporary file and a rename, the destination checked before any work;
`bundle_writer` lays a live collection out as the files the standard commands write.
"""
