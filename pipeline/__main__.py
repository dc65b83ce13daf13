"""``python -m pipeline`` runs the subweave CLI."""

from pipeline.cli import main

main()
