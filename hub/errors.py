"""The hub's exception tree. One root, a few domain errors; the API maps them to HTTP in one place.

HubError
+-- NotFound            (404) unknown document, version, ...
+-- InvalidInput        (422) a request or file the hub cannot accept (wraps IngestError)
|   +-- FileTooLargeError (413)
+-- Conflict            (409) the action clashes with the current state
+-- Unauthorized        (401) no credential, or one that is unknown or disabled
+-- Forbidden           (403) a valid credential whose role may not do this
+-- TooManyRequests     (429) too many failed sign-ins from one client or for one user name
+-- ConfigurationError  (500) settings the hub cannot start with (e.g. an unknown HUB_* variable)
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


class Unauthorized(HubError):
    """No valid credential: the API answers 401 with ``WWW-Authenticate: Bearer``."""

    status_code = 401


class Forbidden(HubError):
    """A known, enabled user whose role is not allowed the action (see docs/governance.md)."""

    status_code = 403


class TooManyRequests(HubError):
    """Too many failed sign-ins: the API answers 429 with ``Retry-After`` (seconds)."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConfigurationError(HubError):
    """The hub's own settings are wrong (raised at start-up, before anything is served)."""

    status_code = 500
