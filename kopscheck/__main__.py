"""`python -m kopscheck`: the same entry point as the console scripts."""

from kopscheck.cli import main

main()
