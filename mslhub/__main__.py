"""``python -m mslhub ...`` is the ``hub`` command."""

from mslhub.cli import main

main()
