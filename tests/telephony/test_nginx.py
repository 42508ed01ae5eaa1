"""deploy/nginx.conf, as the README's production section uses it (Debian's nginx): what a request
may weigh and how long it may take, how many connections a client may hold, and the headers it sets
and strips before a request reaches the line. The line behind it is a stand-in that records what
it was sent; tests/test_production_instances.py serves the real line through the same file."""
import http.client
import http.server
import json
import socket
import threading
import time

import pytest

from ..server import NGINX, free_port, nginx_in_front

pytestmark = pytest.mark.skipif(NGINX is None, reason="needs Debian's nginx (.ci/run installs it)")


class Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_GET(self):
        self.answer()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.answer()

    def answer(self):
        Recorder.seen.append({name.lower(): value for name, value in self.headers.items()})
        body = json.dumps({"status": "ok"}).encode()   # nginx_in_front asks for /healthz first
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def proxied(tmp_path):
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = free_port()
    nginx = nginx_in_front(tmp_path, port, [upstream.server_port])
    Recorder.seen.clear()
    yield port
    nginx.terminate()
    nginx.wait(10)
    upstream.shutdown()


def request(port, headers=None, body=b"a=1", method="POST"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, "/voice", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
        return connection.getresponse().status
    finally:
        connection.close()


def test_the_forwarded_headers_are_set_by_nginx_never_passed_on_from_the_client(proxied):
    forged = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "other.example", "X-Forwarded-Port": "8443",
              "X-Forwarded-Prefix": "/elsewhere", "X-Forwarded-Proto": "https", "Forwarded": "for=203.0.113.9"}
    assert request(proxied, forged) == 200
    reached = Recorder.seen[-1]
    assert reached["x-forwarded-for"] == "127.0.0.1"            # the client nginx saw, nothing it claimed
    assert reached["x-forwarded-proto"] == "http"               # the scheme nginx was called with
    for stripped in ("x-forwarded-host", "x-forwarded-port", "x-forwarded-prefix", "forwarded"):
        assert stripped not in reached, stripped


def test_a_body_over_16_kb_is_refused_before_the_line_sees_it(proxied):
    assert request(proxied, body=b"a=" + b"x" * 20_000) == 413
    assert Recorder.seen == []


def test_a_body_promised_and_not_sent_is_dropped_by_nginx(proxied):
    connection = socket.create_connection(("127.0.0.1", proxied), timeout=15)
    started = time.monotonic()
    connection.sendall(b"POST /voice HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4000\r\n\r\n")
    answer = connection.recv(100)
    assert time.monotonic() - started < 8   # client_body_timeout 5s
    assert answer in (b"",) or answer.startswith(b"HTTP/1.1 408")
    assert Recorder.seen == []
    connection.close()


def test_one_client_holds_at_most_20_connections_at_a_time(proxied):
    held = []
    for _ in range(20):   # each with a whole request's headers, its body still to come
        connection = socket.create_connection(("127.0.0.1", proxied), timeout=5)
        connection.sendall(b"POST /voice HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n")
        held.append(connection)
    time.sleep(0.5)
    try:
        assert request(proxied) == 429
    finally:
        for connection in held:
            connection.close()
    time.sleep(0.5)
    assert request(proxied) == 200
