"""The demo bundles' scenarios, one module each, on what they share (`common`).

tools/make_demo_bundles.py writes them all into kopscheck/demo/; tests/test_demo_data.py
regenerates them and compares byte for byte.
"""
