"""The server-side UI session store: idle expiry, sign-out, ending a user's sessions."""

from __future__ import annotations

from types import SimpleNamespace

from ui.sessions import SessionStore, cookie_header


def test_sessions_expire_after_the_idle_time_and_activity_keeps_them() -> None:
    now = [1000.0]
    store = SessionStore(lambda: 60.0, clock=lambda: now[0])
    sid = store.new()
    assert store.sign_in(sid, SimpleNamespace(name="maria"))
    now[0] += 59
    assert store.get(sid).principal.name == "maria"  # used: the idle clock restarts
    now[0] += 59
    assert store.get(sid) is not None
    now[0] += 61
    assert store.get(sid) is None
    assert not store.sign_in(sid, SimpleNamespace(name="maria"))  # an expired id cannot be signed in again


def test_unknown_ids_cannot_be_signed_in_and_users_can_be_ended() -> None:
    store = SessionStore(lambda: 600.0)
    assert not store.sign_in("made-up", SimpleNamespace(name="x"))
    a, b = store.new(), store.new()
    store.sign_in(a, SimpleNamespace(name="maria"))
    store.sign_in(b, SimpleNamespace(name="maria"))
    assert store.end_user("maria") == 2
    assert store.get(a).principal is None and store.get(b).principal is None
    store.sign_in(a, SimpleNamespace(name="maria"))
    store.sign_out(a)
    assert store.get(a).principal is None


def test_cookie_is_httponly_samesite_and_secure_only_over_https() -> None:
    plain = cookie_header("abc", secure=False).decode()
    assert "HttpOnly" in plain and "SameSite=Strict" in plain and "Secure" not in plain
    assert "Secure" in cookie_header("abc", secure=True).decode()
