"""What a request may weigh, and how long it may take to send, checked before anything reads it.

Twilio's webhook requests are a few kilobytes with a few dozen fields. Anything far larger is
no Twilio request: it is refused with 413 before the body is parsed or a signature computed,
so that an unsigned flood costs almost nothing and cannot take the line off the air.

Twilio also sends a request whole, at once. A connection that promises a body and then sends it
slowly, or not at all, holds one of the worker's greenlets while it waits (gunicorn's gevent worker
takes 1 000 connections a worker, and no timeout of gunicorn's covers a body being read): about
4 100 such connections took the whole line off the air (the red team's H1). So the body must arrive
within BODY_SECONDS, and within QUICK_SECONDS from a client that already has PER_CLIENT connections
waiting for theirs; a request that does not gets 408 and its connection is closed, and the log
says so (the first time, then every DROP_REPORT times).
"""
from __future__ import annotations

import collections
import io
import logging

from .offload import gevent_runs

log = logging.getLogger(__name__)

MAX_BYTES = 16 * 1024   # Twilio's largest (a <Gather> with speech) is about 2 kB
MAX_FIELDS = 200        # Twilio sends about 30
BODY_SECONDS = 5.0      # the whole body, from a client with few others waiting
QUICK_SECONDS = 0.2     # the whole body, from a client with PER_CLIENT others waiting already
PER_CLIENT = 20         # connections of one client that may wait for their bodies, in a worker
DROP_REPORT = 1000


def too_large(environ, start_response, why: str, status: str = "413 Content Too Large"):
    body = f"Request refused: {why}.\n".encode()
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body))),
                            ("Connection", "close")])
    return [body]


BODY = "ivr.body"   # the environ key under which the body, read here, is handed on


class RequestLimits:
    """WSGI middleware: a body over ``max_bytes`` (declared or sent) or with more than
    ``max_fields`` fields gets 413; a body within them is passed on, already read, as it came
    (as ``wsgi.input``, and as bytes under ``environ[BODY]`` for the webhooks' form fields)."""

    def __init__(self, app, max_bytes: int = MAX_BYTES, max_fields: int = MAX_FIELDS, proxy_hops: int = 0):
        self.app = app
        self.max_bytes = max_bytes
        self.max_fields = max_fields
        self.proxy_hops = proxy_hops    # behind this many proxies, the client is in X-Forwarded-For
        self.waiting: collections.Counter[str] = collections.Counter()   # per client, in this worker
        self.slow = 0                   # requests dropped for a body that did not come in time

    def __call__(self, environ, start_response):
        declared = environ.get("CONTENT_LENGTH") or ""
        known = declared.isascii() and declared.isdigit()
        if known and int(declared) > self.max_bytes:
            return too_large(environ, start_response, f"more than {self.max_bytes} bytes")
        if known or environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
            body = self.read(environ, min(int(declared), self.max_bytes) if known else self.max_bytes + 1)
            if body is None:
                return too_large(environ, start_response, "the body did not come in time", "408 Request Timeout")
            if len(body) > self.max_bytes:
                return too_large(environ, start_response, f"more than {self.max_bytes} bytes")
            if body.count(b"&") + 1 > self.max_fields:
                return too_large(environ, start_response, f"more than {self.max_fields} fields")
            environ["wsgi.input"] = io.BytesIO(body)
            environ[BODY] = body
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)

    def client(self, environ) -> str:
        """Who sent the request: its address, or behind proxies the one they forwarded."""
        if self.proxy_hops:
            forwarded = [a.strip() for a in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
            if len(forwarded) >= self.proxy_hops:
                return forwarded[-self.proxy_hops]
        return environ.get("REMOTE_ADDR") or "-"

    def read(self, environ, size: int) -> bytes | None:
        """The body, or None if it did not come in time (only under gevent: the development
        server and the tests read it as it comes)."""
        stream = environ["wsgi.input"]
        if not gevent_runs():
            return stream.read(size)
        import gevent
        client = self.client(environ)
        seconds = BODY_SECONDS if self.waiting[client] < PER_CLIENT else QUICK_SECONDS
        self.waiting[client] += 1
        try:
            with gevent.Timeout(seconds, False):
                return stream.read(size)
            self.slow += 1
            if self.slow == 1 or self.slow % DROP_REPORT == 0:
                log.warning("%d requests dropped so far for a body that did not come within %g s (the latest from "
                            "%s, %d of its connections waiting): 408, connection closed", self.slow, seconds,
                            client, self.waiting[client])
            return None
        finally:
            self.waiting[client] -= 1
            if not self.waiting[client]:
                del self.waiting[client]
