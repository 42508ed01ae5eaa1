"""Two instances, one database, as a council scales out: two production servers (gunicorn with
gunicorn.conf.py) behind nginx (deploy/nginx.conf, from Debian's package) sharing one PostgreSQL,
each call's requests taking turns between them. Every document equals a one-instance run, the
figures count each call once with where it hung up, and what one instance learnt of a call (a
screening accepted, a text sent) the other honours.

Needs nginx and a PostgreSQL DATABASE_URL (.ci/run's second pass provides both); skipped otherwise.
"""
import datetime as dt
import json
import secrets
import signal
import urllib.request
from pathlib import Path

import pytest

from ivr import usage
from ivr.simulator import Caller, OverHttp, scripted

from ..conftest import POSTGRESQL, TOKEN
from ..server import NGINX, Server, free_port, nginx_in_front

pytestmark = pytest.mark.skipif(not (NGINX and POSTGRESQL.startswith(("postgres://", "postgresql://"))),
                                reason="needs nginx and DATABASE_URL of a PostgreSQL server (.ci/run's second pass)")
SECRET = "instances-" + "s" * 32


class Turns(OverHttp):
    """Over HTTP, noting which instance answered each request (nginx's X-Instance header)."""
    def __init__(self):
        super().__init__()
        self.answered_by: list[str] = []
        self.documents: list[tuple[str, bytes]] = []

    def post(self, url, data, headers):
        request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode(), method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", **headers})
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                self.answered_by.append(response.headers.get("X-Instance", ""))
                body = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            body, status = error.read(), error.code
        self.documents.append((url.split("/", 3)[3], body))
        from ivr.simulator import Answer
        return Answer(status, body)


SCRIPTS = {   # (keys, how the team's side ends): each a call of its own
    "english, a message, then a person, accepted (Twilio leaves DialBridged out)": ("110", "accepts"),
    "polish, the text sent": ("241", "accepts"),
    "english, hangs up at the advice menu": ("13", "accepts"),
}


def play(base: str, client: Turns, sids: dict) -> dict[str, list[str]]:
    transcripts = {}
    for name, (keys, outcome) in SCRIPTS.items():
        caller = Caller(client, TOKEN, base_url=base)
        caller.call_params["CallSid"] = sids[name]
        transcripts[name] = caller.run(scripted(keys), dial_outcome=outcome, dial_bridged=False).lines()
        if name.startswith("polish"):   # the same request to send the text, sent again
            send = next(url for url, _ in reversed(client.documents) if "node=text_me" in url)
            replayed = caller.step("/" + send, {"Digits": "1"})
            transcripts[name].append("replayed: " + replayed.events[0].text)
        caller.post("/voice/status", {"CallStatus": "completed", "CallDuration": "70"})
    return transcripts


def normal(body: bytes, base: str) -> bytes:
    return body.replace(base.encode(), b"BASE")


def test_two_instances_behind_nginx_sharing_postgresql_answer_as_one(tmp_path, postgresql_schema):
    name, url, _ = postgresql_schema
    requests_file = tmp_path / "twilio-requests.jsonl"
    env = {"DATABASE_URL": url, "IVR_USAGE_SECRET": SECRET, "IVR_PROXY_HOPS": "1", "TWILIO_ACCOUNT_SID": "AC" + "7" * 32,
           "IVR_TEST_TWILIO_REQUESTS": str(requests_file), "GUNICORN_GRACEFUL_TIMEOUT": "5"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"   # the line's public address: both instances check signatures against it
    one = Server(tmp_path / "one", app="tests.instance_app:app", **env, IVR_PUBLIC_URL=base)
    two = Server(tmp_path / "two", app="tests.instance_app:app", **env, IVR_PUBLIC_URL=base)
    nginx = nginx_in_front(tmp_path / "nginx", port, [one.port, two.port])
    try:
        both = Turns()
        sids = {name: "CA" + secrets.token_hex(16) for name in SCRIPTS}
        transcripts = play(base, both, sids)
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(10)
        stopped = [one.stop(), two.stop()]
    assert stopped == [0, 0]   # graceful: the queued events are written
    # ... every one of them: none dropped (the two writers once deadlocked in PostgreSQL, and one
    # write's events were lost: tests/telephony/test_store_faults.py)
    dropped = [line["message"] for server in (one, two) for line in server.logged()
               if line.get("message", "").startswith("usage figures: dropped")]
    assert not dropped, dropped
    # alone: the same calls (other CallSids) to a third instance, straight (its own public address)
    single = Server(tmp_path / "alone", app="tests.instance_app:app", **env)
    try:
        alone = Turns()
        play(single.base, alone, {name: "CA" + secrets.token_hex(16) for name in SCRIPTS})
    finally:
        assert single.stop() == 0
    # The requests took turns between the two instances.
    assert set(both.answered_by) == {f"127.0.0.1:{one.port}", f"127.0.0.1:{two.port}"}
    assert all(a != b for a, b in zip(both.answered_by, both.answered_by[1:])), both.answered_by
    # Every document is what one instance alone answers.
    assert [u for u, _ in both.documents] == [u for u, _ in alone.documents]
    for (path, body), (_, single_body) in zip(both.documents, alone.documents):
        assert normal(body, base) == normal(single_body, single.base), path
    # What one instance learnt, the other honoured: the team's acceptance, without DialBridged...
    accepted = transcripts["english, a message, then a person, accepted (Twilio leaves DialBridged out)"]
    assert "  ~ the transfer: the team presses 1 and the caller is put through" in accepted
    assert not any("could not take your call" in line for line in accepted)
    # ... and the text: sent once, the replay answered "already sent".
    sent = [json.loads(line) for line in requests_file.read_text().splitlines()
            if json.loads(line)["url"].endswith("/Messages.json")]
    assert len(sent) == 2   # one for each of the two runs' Polish calls, never the replays
    assert transcripts["polish, the text sent"][-1] == "replayed: SMS został już wysłany w trakcie tej rozmowy."
    # The figures count each call once, with where it hung up.
    store = usage.UsageStore(usage.database_url("", Path(".")).split("?")[0] + f"?options=-csearch_path%3D{name}")
    today = dt.datetime.now(dt.timezone.utc).date()
    figures = usage.figures(store, today - dt.timedelta(days=1), today + dt.timedelta(days=1))
    store.engine.dispose()
    assert figures.calls == 2 * len(SCRIPTS)   # (the third instance shares the store)
    answered = {item: n for item, n in figures.sections["transfer outcomes"].items() if item.endswith(":answered")}
    assert sum(answered.values()) == 2 and len(figures.sections["transfer outcomes"]) == len(answered)
    assert figures.sections["texts"]["sent"] == 2 and figures.sections["texts"]["already_sent"] == 2
    hung_up = dict(figures.sections["hung up at"])
    transfer = next(place for place in hung_up if place.startswith("after transfer ("))
    assert transfer.endswith(":answered)")   # to whoever answers at this hour of the day
    assert hung_up == {transfer: 2, "main": 2, "advice": 2}   # after the text, back at the main menu
