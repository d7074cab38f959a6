"""``python -m safeplan``."""

from safeplan.cli import main

main()
