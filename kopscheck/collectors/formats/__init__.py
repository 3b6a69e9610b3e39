"""Parsers of the real formats, shared by every source: what `kubectl get -o json`, `aws ...
--output json`, `kops get -o yaml` and kopscheck's own probe files hold, turned into facts.

Pure functions of bytes and parsed documents: no file, socket or clock. A field of the wrong
type is an `InputError` naming the file and the path (`shapes`); free text is redacted as it is
parsed (`output.redact`), so nothing downstream sees a credential.
"""
