"""The hub's exception tree. One root, a few domain errors; the API maps them to HTTP in one place.

    HubError
    +-- NotFound            (404) unknown document, version, ...
    +-- InvalidInput        (422) a request or file the hub cannot accept (wraps IngestError)
    |   +-- FileTooLargeError (413)
    +-- Conflict            (409) the action clashes with the current state
"""

from __future__ import annotations


class HubError(Exception):
    """Root of all hub errors; ``message`` is written for the person who will act on it."""

    status_code = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(HubError):
    status_code = 404


class InvalidInput(HubError):
    status_code = 422

    def __init__(self, message: str, *, field: str | None = None, file: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.file = file


class FileTooLargeError(InvalidInput):
    status_code = 413


class Conflict(HubError):
    status_code = 409
