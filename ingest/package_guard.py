"""Safety checks on OOXML packages (PPTX, DOCX) before any parser opens them.

A PPTX or DOCX is a ZIP archive of XML parts. A few KB of compressed XML can expand to hundreds
of MB, and an XML parser builds a tree several times larger again, so a small "zip bomb" upload
could exhaust the server's memory. :func:`check_package` reads the archive's directory and then
streams every part through the decompressor (never holding a whole part in memory), and refuses
the file when:

* it has more parts than ``max_parts``;
* one part decompresses to more than ``max_part_bytes`` or all parts to more than ``max_total_bytes``
  (the real output is counted, not the sizes the archive declares, which an attacker chooses);
* a part larger than ``ratio_floor_bytes`` expanded more than ``max_ratio`` times;
* an XML part declares a DTD (``<!DOCTYPE`` / ``<!ENTITY``): OOXML never uses one, and entity
  definitions are how "billion laughs" files expand.

Each refusal is a :class:`ResourceLimitExceeded` naming the part and the setting that limits it.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

from ingest.errors import CorruptFile, ResourceLimitExceeded

_READ = 1 << 20
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
MIB = 1 << 20


@dataclass(frozen=True)
class PackageLimits:
    """Limits for one OOXML package (bytes, ratio, count)."""

    max_total_bytes: int = 512 * MIB
    max_part_bytes: int = 128 * MIB
    max_ratio: float = 100.0
    max_parts: int = 10_000
    ratio_floor_bytes: int = MIB


def check_package(data: bytes, file_name: str, limits: PackageLimits) -> None:
    """Raise :class:`ResourceLimitExceeded` (or :class:`CorruptFile`) if the package is unsafe to parse.

    Files that are not ZIP archives are left to the format loader, which reports them.
    """
    buffer = io.BytesIO(data)
    if not zipfile.is_zipfile(buffer):
        return
    try:
        with zipfile.ZipFile(buffer) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_parts:
                raise ResourceLimitExceeded(
                    f"the package holds {len(infos)} parts, more than the limit of {limits.max_parts} "
                    "(HUB_PACKAGE_MAX_PARTS); a real document has far fewer. Save it again from the authoring "
                    "application",
                    limit="HUB_PACKAGE_MAX_PARTS",
                    file=file_name,
                )
            total = 0
            for info in infos:
                total += _check_part(archive, info, file_name, limits, total)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise CorruptFile(
            f"the package could not be read ({exc.__class__.__name__}); it may be damaged. Save it again",
            file=file_name,
        ) from exc


def _check_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, file_name: str, limits: PackageLimits, total_before: int
) -> int:
    name = info.filename[:200]
    is_xml = info.filename.lower().endswith(_XML_SUFFIXES)
    size = 0
    tail = b""
    with archive.open(info) as part:
        while True:
            piece = part.read(_READ)
            if not piece:
                break
            size += len(piece)
            if size > limits.max_part_bytes:
                raise _too_big(
                    file_name,
                    f"part '{name}' decompresses to more than {_mib(limits.max_part_bytes)}",
                    "HUB_PACKAGE_MAX_PART_MB",
                )
            if total_before + size > limits.max_total_bytes:
                raise _too_big(
                    file_name,
                    f"the package decompresses to more than {_mib(limits.max_total_bytes)}",
                    "HUB_PACKAGE_MAX_TOTAL_MB",
                )
            if size > limits.ratio_floor_bytes and size > limits.max_ratio * max(info.compress_size, 1):
                raise _too_big(
                    file_name,
                    f"part '{name}' expands more than {limits.max_ratio:g} times "
                    f"({_mib(info.compress_size)} compressed)",
                    "HUB_PACKAGE_MAX_RATIO",
                )
            if is_xml:
                window = tail + piece
                if any(marker in window for marker in _DTD_MARKERS):
                    raise ResourceLimitExceeded(
                        f"part '{name}' declares a DTD or entities, which OOXML never uses (an entity-expansion "
                        "attack such as 'billion laughs' looks like this); save the document again from the "
                        "authoring application",
                        limit="no DTD in OOXML parts",
                        file=file_name,
                    )
                tail = window[-16:]
    return size


def _too_big(file_name: str, what: str, setting: str) -> ResourceLimitExceeded:
    return ResourceLimitExceeded(
        f"{what}, past the limit {setting}; the file looks like a decompression bomb. If it is a real "
        "document, remove large embedded media or ask an admin to raise the limit",
        limit=setting,
        file=file_name,
    )


def _mib(n: float) -> str:
    return f"{n / MIB:.0f} MiB" if n >= MIB else f"{n / 1024:.0f} KiB"
