"""The one "start `hub serve`" helper: ports from a range never stray outside it, and a server that
dies at start-up is reported with its own words rather than waited for."""

from __future__ import annotations

import socket

import pytest

from hub.server_process import free_port, served


def test_a_port_range_is_kept_to_and_a_busy_preferred_port_falls_back() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        busy = held.getsockname()[1]
        assert free_port(busy) != busy  # taken: the OS picks another
        with pytest.raises(RuntimeError, match=f"in {busy}-{busy}"):
            free_port(range(busy, busy + 1))  # a range is a promise: nothing outside it


@pytest.mark.slow  # a CLI process
def test_a_server_that_exits_at_start_up_is_reported_with_its_log(tmp_path) -> None:
    log = tmp_path / "serve.log"
    with (
        pytest.raises(RuntimeError, match=r"(?s)exited with code 2 .*No such option"),
        served(free_port(), args=["--no-such-option"], log=log, wait=120),
    ):
        pass
