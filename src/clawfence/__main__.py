"""`python -m clawfence` runs the CLI."""

from clawfence.cli import main

main()
