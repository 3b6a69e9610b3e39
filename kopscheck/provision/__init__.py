"""`kopscheck provision`: drive the user's own kops to stand up a cluster per networking mode,
gate it with kopscheck's checks, and tear it down (DESIGN "Provisioning").

The only code in kopscheck that creates or deletes cloud resources, always through kops:
`plan` (the commands), `runner` (the one place kops runs), `preflight`, `cluster` (one run),
`teardown` (signals and the delete guarantee), `matrix` (several modes, the fleet document)
and `command` (the order of it all).
"""
