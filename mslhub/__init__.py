"""The entry point: the ``hub`` command line and the web app that serves API and UI together.

This is the one package that knows every other: it wires :mod:`ui` and :mod:`evals` onto the hub.
Nothing imports it (import-linter checks the layers: mslhub -> ui | evals -> hub -> ingest).
"""
