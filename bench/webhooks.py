"""The requests the benchmark sends: each webhook of a call, signed as Twilio signs them, each
from a call of its own at a step of its own. bench/run.py calls the line with them in-process,
bench/end_to_end.py sends them through gunicorn with wrk, bench/attack.py forges them."""
from __future__ import annotations

import io
from pathlib import Path

from twilio.request_validator import RequestValidator
from werkzeug.test import EnvironBuilder

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-0123456789abcdef0123"
BASE = "https://line.example.org"
CALL = {"CallSid": "CA" + "5" * 32, "AccountSid": "AC" + "0" * 32, "From": "+447700900123",
        "To": "+442890000000", "Direction": "inbound", "CallStatus": "in-progress", "ApiVersion": "2010-04-01"}
WEBHOOKS = [   # (name, method, path, query, form)
    ("greeting", "POST", "/voice", "", {}),
    ("language choice", "POST", "/voice/key", "node=language&lang=en-GB", {"Digits": "2"}),
    ("main menu", "POST", "/voice/key", "node=main&lang=pl", {"Digits": "*"}),
    ("content message", "POST", "/voice/key", "node=main&lang=pl", {"Digits": "2"}),
    ("transfer", "POST", "/voice/key", "node=main&lang=pl", {"Digits": "0"}),
    ("failed transfer", "POST", "/voice/transfer/done", "node=transfer_failed&lang=pl&contact=gateway",
     {"DialCallStatus": "busy"}),
    ("recording", "GET", "/audio/ga/greeting.welcome.wav", "", None),
]
STEPS = 40       # steps of a call (n in the URL) the requests are spread over


def nth_call(query: str, index: int) -> tuple[str, str]:
    """The query string and CallSid of the index-th call: its own call, at its own step (n)."""
    return (f"{query}&n={1 + index % STEPS}" if query else query), f"CA{index:032x}"


def environ_for(method: str, path: str, query: str, form: dict | None, call_sid: str | None = None
                ) -> tuple[dict, bytes]:
    url = f"{BASE}{path}" + (f"?{query}" if query else "")
    headers = {}
    data = None
    if form is not None:
        data = {**CALL, **form} | ({"CallSid": call_sid} if call_sid else {})
        headers["X-Twilio-Signature"] = RequestValidator(TOKEN).compute_signature(url, data)
    builder = EnvironBuilder(method=method, base_url=BASE, path=path, query_string=query, data=data,
                             headers=headers)
    environ = builder.get_environ()
    body = environ["wsgi.input"].read()
    return environ, body


def call(app, environ: dict, body: bytes) -> int:
    fresh = dict(environ)
    fresh["wsgi.input"] = io.BytesIO(body)
    status = []

    def start_response(line, headers, exc_info=None):
        status.append(line)

    result = app(fresh, start_response)
    for _ in result:
        pass
    if hasattr(result, "close"):
        result.close()
    return int(status[0].split()[0])
