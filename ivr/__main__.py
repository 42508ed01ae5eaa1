"""`python -m ivr <command>`: the line's commands without installing it (see ivr/cli.py)."""
from .cli import main

main(prog_name="python -m ivr")
