"""The line under attack, as deployed: signed calls while slow clients and oversized unsigned
requests run against it (`make attack`).

Bounded and on loopback only: the production set-up (gunicorn.conf.py, ivr.wsgi:app, the
Procfile's worker count) on a free port of 127.0.0.1; 100 slow clients that each promise a
4 kB body and send it a byte every half second; 4 threads that send 0.9 MB unsigned bodies
back to back; and, meanwhile, signed calls (greeting, a key, a message) one after another for
a fixed time. It prints the signed calls' latency (p50, p99, worst), how many were answered,
and how many attacking requests were refused, and stops everything it started.
"""
from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import tempfile
import threading
import time
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.run import CALL, TOKEN, free_port, serve  # noqa: E402

SLOW_CLIENTS = 100
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="how long the signed calls run under attack")
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        server = serve("ivr.wsgi:app", port, scratch)
        stop, refused, latencies = threading.Event(), [], []
        attackers = [threading.Thread(target=slow_clients, args=(port, stop), daemon=True)]
        attackers += [threading.Thread(target=flood, args=(port, stop, refused), daemon=True)
                      for _ in range(FLOODERS)]
        try:
            for attacker in attackers:
                attacker.start()
            time.sleep(2)   # the slow clients are connected and trickling
            deadline = time.monotonic() + args.seconds
            while time.monotonic() < deadline:
                for path, form in STEPS:
                    latencies.append(signed(port, path, form))
        finally:
            stop.set()
            for attacker in attackers:
                attacker.join(timeout=15)
            server.terminate()
            server.wait(timeout=30)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"Under attack for {args.seconds} s: {SLOW_CLIENTS} slow clients (a byte every 0.5 s), "
          f"{FLOODERS} threads of 0.9 MB unsigned bodies ({len(refused)} sent, "
          f"{sum(1 for s in refused if s in (413, 0))} refused with 413 or closed)")
    print(f"signed calls answered: {len(latencies)}; p50 {statistics.median(latencies) * 1000:.1f} ms, "
          f"p99 {p99 * 1000:.1f} ms, worst {latencies[-1] * 1000:.1f} ms: "
          + ("within 1 s" if p99 < 1.0 else "OVER 1 s"))


if __name__ == "__main__":
    main()
