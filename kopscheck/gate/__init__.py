"""The CI gate: one pipeline for check, demo, fleets and wait; baselines, diff, exit codes."""
