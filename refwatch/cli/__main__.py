"""`python -m refwatch.cli` runs the command (useful where the script is not on PATH)."""

from refwatch.cli import main

main()
