"""``python -m giveback`` runs the command line."""

from giveback.cli import main

main()
