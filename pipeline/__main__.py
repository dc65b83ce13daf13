"""``python -m pipeline`` runs the subweave CLI."""

from pipeline.cli.main import main

main()
