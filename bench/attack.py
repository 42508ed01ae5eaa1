"""The line under attack, as deployed: signed calls while clients and faults attack it (`make attack`).

Bounded and on loopback only: the production set-up (gunicorn.conf.py, ivr.wsgi:app, the
Procfile's worker count) on a free port of 127.0.0.1, from a copy of the line's files in a scratch
folder (one attack deletes a recording). Each attack, one after another, prints one line:
1. 100 slow clients (a byte every half second) and 4 threads of 0.9 MB unsigned bodies, while
   signed calls (greeting, a key, a message) go on: their latency (p50, p99, worst).
2. 5 000 connections that promise a body and send nothing (the red team's H1), meanwhile the same.
3. The usage store locked (SQLite's file, 7 s): the calls' worst latency, /healthz, events dropped.
4. A captured "busy" transfer report replayed 50 times: what the transfer count rose by.
5. A captured request re-split into another route, three ways: answered or refused.
6. A status callback with CallDuration=²: answered, and the safety net not used.
7. A recording deleted while the line runs: offered or not, its URL, /healthz.
8. 8 wrong console passwords, then the right one: the waits, and whether it was let in.
9. Both workers killed with SIGKILL after 30 calls: the calls' events stored after all.
It stops everything it started.
"""
from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

import sys

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.end_to_end import free_port, serve  # noqa: E402
from bench.webhooks import CALL, ROOT, TOKEN  # noqa: E402

SLOW_CLIENTS = 100
IDLE_BODIES = 5000
FLOODERS = 4
FLOOD_BODY = b"&".join(b"f%d=1" % i for i in range(100_000))   # 0.9 MB, 100 000 fields
STEPS = [("/voice", {}), ("/voice/key?node=language&lang=en-GB", {"Digits": "1"}),
         ("/voice/key?node=main&lang=en-GB&n=2", {"Digits": "2"})]


def signed(port: int, path: str, form: dict, timeout: float = 15.0) -> float:
    url = f"http://127.0.0.1:{port}{path}"
    data = {**CALL, **form}
    signature = RequestValidator(TOKEN).compute_signature(url, data)
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", path, body=urlencode(data), headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
    finally:
        connection.close()
    return time.perf_counter() - started


def slow_clients(port: int, stop: threading.Event) -> None:
    held = []
    for _ in range(SLOW_CLIENTS):
        connection = socket.create_connection(("127.0.0.1", port))
        connection.sendall(b"POST /voice HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                           b"application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\n")
        held.append(connection)
    while not stop.wait(0.5):
        for connection in held:
            try:
                connection.sendall(b"a")
            except OSError:
                pass
    for connection in held:
        connection.close()


def flood(port: int, stop: threading.Event, refused: list[int]) -> None:
    while not stop.is_set():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("POST", "/voice", body=FLOOD_BODY,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
            refused.append(connection.getresponse().status)
        except OSError:
            refused.append(0)   # the server closed the connection on a refused body: also refused
        finally:
            connection.close()


def timed_calls(port: int, seconds: float, pause: float = 0.0) -> list[float]:
    latencies, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path, form in STEPS:
            latencies.append(signed(port, path, {**form, "CallSid": "CA" + secrets.token_hex(16)}))
        time.sleep(pause)
    return latencies


def figures(latencies: list[float]) -> str:
    latencies = sorted(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return (f"{len(latencies)} signed requests answered; p50 {statistics.median(latencies) * 1000:.1f} ms, "
            f"p99 {p99 * 1000:.1f} ms, worst {latencies[-1] * 1000:.1f} ms: " + ("within 1 s" if p99 < 1.0 else "OVER 1 s"))


def post(port: int, path: str, form: dict, signature: str | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    url = f"http://127.0.0.1:{port}{path}"
    data = {**CALL, **form}
    signature = signature if signature is not None else RequestValidator(TOKEN).compute_signature(url, data)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("POST", path, body=urlencode(data), headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


CONSOLE = ("attack", "console-" + "p" * 20)
HTTPS = {"X-Forwarded-Proto": "https", "Authorization": "Basic " + base64.b64encode(":".join(CONSOLE).encode()).decode()}


def metric(port: int, name: str, **labels) -> float:
    body = get(port, "/metrics", HTTPS)[1].decode()
    wanted = name + ("{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels else "")
    return sum(float(line.split()[-1]) for line in body.splitlines() if line.startswith(wanted + " "))


def slow_and_floods(port: int, seconds: int) -> str:
    stop, refused = threading.Event(), []
    attackers = [threading.Thread(target=slow_clients, args=(port, stop), daemon=True)]
    attackers += [threading.Thread(target=flood, args=(port, stop, refused), daemon=True) for _ in range(FLOODERS)]
    for attacker in attackers:
        attacker.start()
    time.sleep(2)   # the slow clients are connected and trickling
    try:
        latencies = timed_calls(port, seconds)
    finally:
        stop.set()
        for attacker in attackers:
            attacker.join(timeout=15)
    return (f"{SLOW_CLIENTS} slow clients and {FLOODERS} threads of 0.9 MB unsigned bodies ({len(refused)} sent, "
            f"{sum(1 for s in refused if s in (413, 0))} refused with 413 or closed): {figures(latencies)}")


def idle_bodies(port: int, seconds: int) -> str:
    held, stop = [], threading.Event()

    def open_them():
        for _ in range(IDLE_BODIES):
            if stop.is_set():
                return
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=5)
                connection.sendall(b"POST /voice HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                                   b"application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\n")
                held.append(connection)
            except OSError:
                pass
    opener = threading.Thread(target=open_them, daemon=True)
    opener.start()
    try:
        latencies = timed_calls(port, seconds)
    finally:
        stop.set()
        opener.join(timeout=60)
        for connection in held:
            connection.close()
    return f"{len(held)} connections that promise a body and send nothing: {figures(latencies)}"


def locked_store(port: int, database: Path, log: Path) -> str:
    lock = sqlite3.connect(database, timeout=5, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        latencies = timed_calls(port, 3.5, pause=0.02)
        health = json.loads(get(port, "/healthz")[1])
        latencies += timed_calls(port, 3.5, pause=0.02)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    time.sleep(1.5)
    dropped = [line for line in log.read_text().splitlines() if "usage figures: dropped" in line]
    return (f"the usage store locked 7 s: worst {max(latencies) * 1000:.0f} ms over {len(latencies)} signed requests; "
            f"/healthz {health['status']}, store {health['store']}; {len(dropped)} log lines count the events dropped")


def replayed_outcome(port: int) -> str:
    before = metric(port, "ivr_transfers_total", contact="emergency_social_work", outcome="busy")
    before += metric(port, "ivr_transfers_total", contact="northern/emergency_social_work", outcome="busy")
    path = "/voice/transfer/done?node=transfer_failed&lang=en-GB&contact=emergency_social_work&n=5"
    form = {"CallSid": "CA" + "7" * 32, "DialCallStatus": "busy", "DialBridged": "false", "DialCallSid": "CA" + "8" * 32}
    statuses = {post(port, path, form)[0] for _ in range(50)}
    after = metric(port, "ivr_transfers_total", contact="emergency_social_work", outcome="busy")
    after += metric(port, "ivr_transfers_total", contact="northern/emergency_social_work", outcome="busy")
    return f"one busy report replayed 50 times: answered {sorted(statuses)}, counted {after - before:.0f} time(s)"


def re_split(port: int) -> str:
    url = f"http://127.0.0.1:{port}"
    original = {**CALL, "CallSid": "CA" + "9" * 32, "Digits": "1"}
    signature = RequestValidator(TOKEN).compute_signature(url + "/voice/key?node=main&lang=en-GB&n=2", original)
    splits = [("/voice", {("/key?node=main&lang=en-GB&n=2" + k if k == "AccountSid" else k): v for k, v in original.items()}),
              ("/voice/key?node=main&lang=en-GB", {**original, "&n=": "2"}),
              ("/voice/key?node=main&lang=en-GB&n=", {("2" + k if k == "AccountSid" else k): v for k, v in original.items()})]
    statuses = []
    for path, form in splits:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("POST", path, body=urlencode(form), headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})
        statuses.append(connection.getresponse().status)
        connection.close()
    return f"a captured request re-split into another route, 3 ways: answered {statuses}"


def odd_duration(port: int) -> str:
    before = metric(port, "ivr_safety_net_total")
    status = post(port, "/voice/status", {"CallSid": "CA" + "a" * 32, "CallStatus": "completed", "CallDuration": "²"})[0]
    return f"a status callback with CallDuration=²: {status}, safety net used {metric(port, 'ivr_safety_net_total') - before:.0f} time(s)"


def deleted_recording(port: int, root: Path) -> str:
    (root / "prompts" / "audio" / "ga" / "language.choose.wav").unlink()
    time.sleep(6)   # the line looks every 5 s
    greeting = post(port, "/voice", {"CallSid": "CA" + "b" * 32})[1]
    audio = get(port, "/audio/ga/language.choose.wav")[0]
    health = json.loads(get(port, "/healthz")[1])
    offered = b"/audio/ga/language.choose.wav" in greeting
    return (f"a recording deleted while the line runs: {'still offered' if offered else 'no longer offered'}, "
            f"its URL {audio}, /healthz {health['status']} ({health['recordings']})")


def console_guesses(port: int) -> str:
    wrong = {**HTTPS, "Authorization": "Basic " + base64.b64encode(b"attack:wrong").decode()}
    started = time.monotonic()
    statuses = [get(port, "/console/", wrong)[0] for _ in range(8)]
    guessing = time.monotonic() - started
    started = time.monotonic()
    right = get(port, "/console/", HTTPS)[0]
    return (f"8 wrong console passwords: {sorted(set(statuses))} in {guessing:.1f} s; then the right one: {right} "
            f"after {time.monotonic() - started:.1f} s")


def killed_workers(port: int, server: subprocess.Popen, database: Path) -> str:
    with sqlite3.connect(database) as db:
        before = db.execute("SELECT COUNT(*) FROM usage_events WHERE kind = 'call'").fetchone()[0]
    for n in range(30):
        post(port, "/voice", {"CallSid": "CA%032x" % (10 ** 6 + n)})
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    for pid in children:
        os.kill(int(pid), signal.SIGKILL)
    time.sleep(3)
    return f"{len(children)} workers killed with SIGKILL after 30 calls: {{calls}} of 30 calls stored||{before}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="how long the signed calls run under each load")
    args = parser.parse_args()
    port = free_port()
    lines = []
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "line"
        for folder in ("prompts", "locales"):
            shutil.copytree(ROOT / folder, root / folder)
        shutil.copy(ROOT / "line.yaml", root / "line.yaml")
        log, database = Path(scratch) / "server.log", Path(scratch) / "usage.sqlite3"
        server = serve("ivr.wsgi:app", port, scratch, log=str(log), extra={
            "IVR_ROOT": str(root), "IVR_CONFIG": str(root / "line.yaml"), "IVR_PROXY_HOPS": "1",
            "IVR_CONSOLE_PASSWORD": CONSOLE[1]})
        try:
            time.sleep(1)
            lines.append(slow_and_floods(port, args.seconds))
            lines.append(idle_bodies(port, max(10, args.seconds // 2)))
            lines.append(locked_store(port, database, log))
            lines.append(replayed_outcome(port))
            lines.append(re_split(port))
            lines.append(odd_duration(port))
            lines.append(deleted_recording(port, root))
            lines.append(console_guesses(port))
            killed, before = killed_workers(port, server, database).split("||")
        finally:
            server.terminate()
            server.wait(timeout=30)
        with sqlite3.connect(database) as db:
            calls = db.execute("SELECT COUNT(*) FROM usage_events WHERE kind = 'call'").fetchone()[0] - int(before)
        recovered = sum(1 for line in log.read_text().splitlines() if "recovered from its spool" in line)
        lines.append(killed.format(calls=calls) + f" ({recovered} log lines say what was recovered)")
    for number, line in enumerate(lines, start=1):
        print(f"{number}. {line}")


if __name__ == "__main__":
    main()
