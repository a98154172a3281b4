"""``python -m pipeline`` runs the blamine command line."""

from .cli import main

main()
