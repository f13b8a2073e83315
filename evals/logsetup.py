"""The logging set-up the entry point hands to the eval and bench commands.

The commands call :func:`setup_logging`; the entry point installs its own function with
:func:`use` when it registers them, so no command module has to import the CLI that registers it.
"""

from __future__ import annotations

from collections.abc import Callable

SetupLogging = Callable[[bool], None]
_setup: SetupLogging = lambda verbose: None  # noqa: E731 - replaced through use()


def use(setup: SetupLogging) -> None:
    """Install the entry point's logging set-up (called once, when the commands are registered)."""
    global _setup
    _setup = setup


def setup_logging(verbose: bool) -> None:
    """Configure logging as the entry point does (INFO with ``verbose``)."""
    _setup(verbose)
