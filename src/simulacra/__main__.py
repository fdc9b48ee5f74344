"""``python -m simulacra`` runs the command line."""

from simulacra.cli import main

main()
