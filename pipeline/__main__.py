"""``python -m pipeline`` runs the blamine command line."""

from .cli import app

app(prog_name="blamine")
