"""The snapshot of facts and the report results: frozen data, no behaviour."""
