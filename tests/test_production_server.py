"""The production set-up, as deployed: gunicorn with gunicorn.conf.py and ivr.wsgi:app, on loopback."""
import socket
import sqlite3
import time

import pytest

from .server import Server

CALL = {"AccountSid": "AC" + "0" * 32, "From": "+447700900123", "To": "+442890000000"}


@pytest.fixture
def server(tmp_path):
    running = Server(tmp_path)
    yield running
    running.stop()


def test_signed_calls_are_answered_while_100_slow_clients_hold_connections(server):
    import threading
    from bench.attack import SLOW_CLIENTS, slow_clients
    stop = threading.Event()
    attacker = threading.Thread(target=slow_clients, args=(server.port, stop), daemon=True)
    attacker.start()   # each promises a body, then sends it a byte every half second, never finishing
    try:
        time.sleep(1.5)
        assert SLOW_CLIENTS == 100
        for n in range(5):
            started = time.monotonic()
            status, body = server.signed_post("/voice", {**CALL, "CallSid": "CA%032d" % n}, timeout=10)
            answered = time.monotonic() - started
            assert status == 200 and b"<Gather" in body
            assert answered < 1.0, f"a signed call took {answered:.2f} s with 100 slow clients"
    finally:
        stop.set()
        attacker.join(timeout=15)


def test_an_oversized_request_is_refused_by_the_production_server(server):
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    connection.request("POST", "/voice", body=b"a=" + b"x" * 200_000,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert connection.getresponse().status == 413


def test_a_graceful_stop_writes_the_events_still_queued(tmp_path):
    server = Server(tmp_path / "line")
    try:
        for n in range(20):
            status, _ = server.signed_post("/voice", {**CALL, "CallSid": "CA%032d" % n})
            assert status == 200
    finally:
        assert server.stop() == 0
    with sqlite3.connect(server.database) as db:
        calls = db.execute("SELECT COUNT(*) FROM usage_events WHERE kind = 'call'").fetchone()[0]
    assert calls == 20


def test_the_walk_answers_a_whole_call_and_names_a_failing_step(server):
    """`python -m ivr walk`, against the production set-up: every step of a whole call, and, against
    a line with another token (every signature refused), the step that failed."""
    from ivr.line import Line
    from ivr.walk import WalkFailed, walk
    from .conftest import ROOT, TOKEN
    line = Line.load(ROOT, ROOT / "line.yaml")
    steps = [step.step for step in walk(server.base, TOKEN, line)]
    assert steps == ["health (/healthz)", "greeting (/voice)", "language (1)", "a message (1)", "speak to someone (0)",
                     "the whisper, on the team's leg", "the team accepts (1)", "the transfer ends (Dial action)",
                     "the call ends (/voice/status)"]
    with pytest.raises(WalkFailed, match=r"^greeting \(/voice\): expected a menu listening for a key, got end "
                                         r"\(the webhook answered HTTP 403\)"):
        walk(server.base, "not-the-token", line)
