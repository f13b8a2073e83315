"""Items 1 and 2 of issue 12 against a real `hub serve`: hostile bodies and files do not move the
server's memory (measured with psutil while each request runs)."""

from __future__ import annotations

import pytest

from tests.security import hostile
from tests.security.server import MIB, peak_rss, post_chunked_json, post_json_body, post_upload, running

pytestmark = pytest.mark.slow
GROWTH = 64 * MIB  # the server may allocate a little per request; hostile input must not add more


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running(tmp_path_factory.mktemp("serve")) as s:
        yield s


def test_keyless_huge_json_is_refused_without_buffering(server):
    with peak_rss(server) as mem:
        status, body = post_json_body(server, 256 * MIB)
    assert status in (401, 413) and body["kind"] in ("Unauthorized", "FileTooLargeError")
    assert mem["peak"] - mem["before"] < GROWTH, mem


def test_authenticated_chunked_json_is_cut_at_the_limit(server):
    with peak_rss(server) as mem:
        status, body = post_chunked_json(server, 256 * MIB, server.keys["msl"])
    assert status == 413 and "HUB_MAX_BODY_KB" in body["error"]
    assert mem["peak"] - mem["before"] < GROWTH, mem


def test_keyless_huge_upload_is_not_spooled(server):
    with peak_rss(server) as mem:
        status, body = post_upload(server, b"%PDF-1.4", "big.pdf", pad=300 * MIB)
    assert status in (401, 413) and body["kind"] in ("Unauthorized", "FileTooLargeError")
    assert mem["written"] < MIB, mem  # nothing spooled
    assert mem["peak"] - mem["before"] < GROWTH, mem


def test_keyless_upload_within_the_size_limit_is_refused_before_it_is_spooled(server):
    # Small enough to pass the size cap: only the key check, made before the body is read, stops it.
    with peak_rss(server) as mem:
        status, body = post_upload(server, b"%PDF-1.4", "big.pdf", pad=40 * MIB)
    assert status == 401 and body["kind"] == "Unauthorized"
    assert mem["written"] < MIB, mem  # nothing spooled


def test_pptx_bomb_is_a_422_and_the_server_memory_stays_put(server):
    bomb = hostile.slide_bomb(575)  # about 2 MiB on disk; one slide holds 575 MiB of XML
    with peak_rss(server) as mem:
        status, body = post_upload(server, bomb, "bomb.pptx", server.keys["content_owner"])
    assert status == 422 and "HUB_PACKAGE_MAX_" in body["error"], body
    assert mem["peak"] - mem["before"] < GROWTH, mem
    assert mem["after"] - mem["before"] < GROWTH, mem
    # The server is still serving.
    status, _ = post_upload(server, hostile.malformed_docx(), "broken.docx", server.keys["content_owner"])
    assert status == 422
