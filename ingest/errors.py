"""Errors raised while reading a file or its metadata.

Every message names what was wrong and what the user can do about it; the hub maps these to
per-file failures in batch ingestion and to HTTP 4xx responses.
"""

from __future__ import annotations


class IngestError(Exception):
    """Root of every ingestion error. ``file`` names the offending file when known."""

    def __init__(self, message: str, *, file: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file

    def __str__(self) -> str:
        return f"{self.file}: {self.message}" if self.file else self.message


class UnsupportedFormat(IngestError):
    """The file extension or content type is not one the hub can read."""


class CorruptFile(IngestError):
    """The file could not be parsed as the format its name claims."""


class EncryptedFile(IngestError):
    """The file is password-protected."""


class NoExtractableText(IngestError):
    """The file parsed but holds no text (empty, or image-only without a text layer)."""


class FileTooLarge(IngestError):
    """The file exceeds the configured size limit."""


class UnsafeFileName(IngestError):
    """The file name could escape its folder or contains control characters."""


class BadMetadata(IngestError):
    """Approval metadata is missing or invalid; ``field`` names the offending key."""

    def __init__(self, message: str, *, field: str | None = None, file: str | None = None) -> None:
        super().__init__(message, file=file)
        self.field = field


class ResourceLimitExceeded(IngestError):
    """Reading the file would pass a safety limit (size, ratio, memory, time); ``limit`` names the setting."""

    def __init__(self, message: str, *, limit: str, file: str | None = None) -> None:
        super().__init__(message, file=file)
        self.limit = limit
