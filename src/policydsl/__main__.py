"""`python -m policydsl` runs the command line."""

from policydsl.cli import run

run()
