"""Hostile sample files made by the tests: decompression bombs, XML attacks, pathological PDFs."""

from __future__ import annotations

import io
import zipfile
import zlib

from tests import samples

MIB = 1 << 20


def with_part(package: bytes, name: str, writer) -> bytes:  # type: ignore[no-untyped-def]
    """``package`` (a PPTX/DOCX) with part ``name`` replaced by what ``writer(stream)`` writes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == name:
                continue
            dst.writestr(info, src.read(info.filename))
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with dst.open(info, "w", force_zip64=True) as stream:
            writer(stream)
    return out.getvalue()


def slide_bomb(decompressed_mb: int) -> bytes:
    """A real PPTX whose first slide's XML is padded to ``decompressed_mb`` MiB of runs (compresses ~1000:1)."""
    deck = samples.deck_pptx()
    with zipfile.ZipFile(io.BytesIO(deck)) as z:
        original = z.read("ppt/slides/slide1.xml")
    head, sep, tail = original.partition(b"</p:spTree>")
    run = b"<p:sp><p:nvSpPr><p:cNvPr id='9' name='x'/><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr/></p:sp>" * 1000

    def write(stream) -> None:  # type: ignore[no-untyped-def]
        stream.write(head)
        written = len(head)
        while written < decompressed_mb * MIB:
            stream.write(run)
            written += len(run)
        stream.write(sep + tail)

    return with_part(deck, "ppt/slides/slide1.xml", write)


def docx_with_document_xml(xml: bytes) -> bytes:
    """A real DOCX whose main document part is ``xml``."""
    return with_part(samples.faq_docx(), "word/document.xml", lambda s: s.write(xml))


W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def billion_laughs_docx() -> bytes:
    entities = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
    )
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE w:document [' + entities + b"]>"
        b"<w:document " + W + b"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
    )
    return docx_with_document_xml(xml)


def deeply_nested_docx(depth: int = 5000) -> bytes:
    xml = (
        b"<w:document "
        + W
        + b"><w:body>"
        + b"<w:sdt><w:sdtContent>" * depth
        + b"<w:p><w:r><w:t>deep</w:t></w:r></w:p>"
        + b"</w:sdtContent></w:sdt>" * depth
        + b"</w:body></w:document>"
    )
    return docx_with_document_xml(xml)


def malformed_docx() -> bytes:
    return docx_with_document_xml(b"<w:document " + W + b"><w:body><w:p><w:r><w:t>unclosed</w:r></w:body>")


def pdf_with_content(content: bytes, *, compress: bool = True) -> bytes:
    """A one-page PDF whose page content stream is ``content`` (FlateDecode when ``compress``)."""
    stream = zlib.compress(content, 9) if compress else content
    filt = b"/Filter /FlateDecode " if compress else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< " + filt + b"/Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def pdf_stream_bomb(decompressed_mb: int) -> bytes:
    """A small PDF whose content stream inflates to ``decompressed_mb`` MiB."""
    return pdf_with_content(b"BT /F1 12 Tf 72 700 Td (Zorbex) Tj ET\n" + b" " * (decompressed_mb * MIB))


def slow_pdf(operators: int = 400_000) -> bytes:
    """A small PDF with very many text operators: slow to extract, tiny on disk."""
    return pdf_with_content(b"BT /F1 12 Tf " + b"1 0 Td (a) Tj " * operators + b"ET\n")
