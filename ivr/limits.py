"""What a request may weigh, checked before anything reads it.

Twilio's webhook requests are a few kilobytes with a few dozen fields. Anything far larger is
no Twilio request: it is refused with 413 before the body is parsed or a signature computed,
so that an unsigned flood costs almost nothing and cannot take the line off the air.
"""
from __future__ import annotations

import io

MAX_BYTES = 16 * 1024   # Twilio's largest (a <Gather> with speech) is about 2 kB
MAX_FIELDS = 200        # Twilio sends about 30


def too_large(environ, start_response, why: str):
    body = f"Request refused: {why}.\n".encode()
    start_response("413 Content Too Large", [("Content-Type", "text/plain"), ("Content-Length", str(len(body))),
                                            ("Connection", "close")])
    return [body]


BODY = "ivr.body"   # the environ key under which the body, read here, is handed on


class RequestLimits:
    """WSGI middleware: a body over ``max_bytes`` (declared or sent) or with more than
    ``max_fields`` fields gets 413; a body within them is passed on, already read, as it came
    (as ``wsgi.input``, and as bytes under ``environ[BODY]`` for the webhooks' form fields)."""

    def __init__(self, app, max_bytes: int = MAX_BYTES, max_fields: int = MAX_FIELDS):
        self.app = app
        self.max_bytes = max_bytes
        self.max_fields = max_fields

    def __call__(self, environ, start_response):
        declared = environ.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > self.max_bytes:
            return too_large(environ, start_response, f"more than {self.max_bytes} bytes")
        if declared.isdigit() or environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
            stream = environ["wsgi.input"]
            body = stream.read(min(int(declared), self.max_bytes) if declared.isdigit() else self.max_bytes + 1)
            if len(body) > self.max_bytes:
                return too_large(environ, start_response, f"more than {self.max_bytes} bytes")
            if body.count(b"&") + 1 > self.max_fields:
                return too_large(environ, start_response, f"more than {self.max_fields} fields")
            environ["wsgi.input"] = io.BytesIO(body)
            environ[BODY] = body
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)
