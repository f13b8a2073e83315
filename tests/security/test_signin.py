"""Item 5 of issue 12: failed sign-ins are limited, compact, and reveal nothing."""

from __future__ import annotations

import statistics
import time

import pytest
from fastapi.testclient import TestClient

from hub.api import create_app
from hub.auth import Role
from hub.errors import Unauthorized

WRONG_CREDENTIALS = "wrong user name or password"


def _median_seconds(fn, runs: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        with pytest.raises(Unauthorized):
            fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def test_unknown_user_costs_the_same_password_check(make_hub):
    hub = make_hub(auth_max_failures_per_user=100, auth_max_failures_per_client=100)
    hub.users.add("maria", Role.msl, "a-long-secret")
    known = _median_seconds(lambda: hub.users.authenticate_password("maria", "wrong guess"))
    unknown = _median_seconds(lambda: hub.users.authenticate_password("nobody-here", "wrong guess"))
    # Before: an unknown name skipped scrypt and answered in a fraction of the time.
    assert unknown > 0.5 * known, (unknown, known)


def test_disabled_account_with_the_right_password_gets_the_same_error(hub):
    hub.users.add("maria", Role.msl, "a-long-secret")
    hub.users.disable("maria")
    with pytest.raises(Unauthorized) as right:
        hub.users.authenticate_password("maria", "a-long-secret")
    with pytest.raises(Unauthorized) as wrong:
        hub.users.authenticate_password("maria", "not it at all")
    assert right.value.message == wrong.value.message == WRONG_CREDENTIALS
    reasons = [e.payload["reason"] for e in hub.audit.query(event="auth.failed")]
    assert reasons == ["user 'maria' is disabled", WRONG_CREDENTIALS]  # the log still tells compliance why


def test_a_user_name_is_locked_after_its_failure_limit(make_hub):
    hub = make_hub(auth_max_failures_per_user=3)
    hub.users.add("maria", Role.msl, "a-long-secret")
    for _ in range(3):
        with pytest.raises(Unauthorized):
            hub.users.authenticate_password("maria", "guess", context={"client": f"10.0.0.{_}"})
    from hub.errors import TooManyRequests

    with pytest.raises(TooManyRequests) as locked:
        hub.users.authenticate_password("maria", "a-long-secret", context={"client": "10.0.0.9"})
    assert locked.value.status_code == 429 and locked.value.retry_after > 0
    events = [e.event for e in hub.audit.iter_entries() if e.event.startswith("auth.")]
    assert events == ["auth.failed"] * 3 + ["auth.throttled"]
    # Another name is not affected, and the window passing lifts the lock.
    hub.users.add("omar", Role.msl, "another-secret")
    assert hub.users.authenticate_password("omar", "another-secret").name == "omar"
    hub.users.throttle.clock = lambda: time.monotonic() + hub.settings.auth.failure_window_seconds + 1
    assert hub.users.authenticate_password("maria", "a-long-secret").name == "maria"


def test_keyless_flood_from_one_client_is_limited_and_recorded_compactly(make_hub):
    hub = make_hub(auth_max_failures_per_client=5)
    _, key = hub.users.add("maria", Role.msl)
    before = hub.audit.count()
    long_path = "/api/documents/" + "x" * 60_000
    with TestClient(create_app(hub=hub)) as client:
        codes = [client.get(long_path).status_code for _ in range(50)]
        throttled = client.get("/api/me")
        # A right key from the same address still works: one client's failures lock out no one else.
        assert client.get("/api/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert codes == [401] * 5 + [429] * 45
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) > 0
    assert throttled.json()["kind"] == "TooManyRequests"
    records = hub.audit.query(limit=1000)[before:]
    assert [r.event for r in records] == ["auth.failed"] * 5 + ["auth.throttled"]
    assert all(len(r.payload.get("path", "")) <= 200 for r in records)
    assert sum(len(str(r.payload)) for r in records) < 5_000  # was 65 KB per record
