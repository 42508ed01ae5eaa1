"""The yardstick: a bare Flask app that checks Twilio's signature and answers a constant TwiML.

Whatever the line does beyond this is what the benchmark measures. Two of them:

- ``create_app()``: as Twilio's own Flask example does it (``request.url``, ``request.form``).
  The target is set against this one.
- ``create_app(lean=True)``: the same route, but reading the request the way the line does
  (its size limits, the form parsed once from the body, ivr/web.py), which is cheaper than
  werkzeug's ``request.form``. Against this one the report shows what the line's own work
  (the call flow, the figures, the metrics) costs, with nothing saved elsewhere hiding it.
"""
import os
from pathlib import Path

from flask import Flask, Response, abort, request, send_file
from twilio.request_validator import RequestValidator

TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/voice/key" input="dtmf" '
         'numDigits="1" timeout="8"><Say>Hello.</Say></Gather><Redirect>/voice/silence</Redirect></Response>')
RECORDING = Path(__file__).resolve().parent.parent / "prompts" / "audio" / "ga" / "greeting.welcome.wav"


def create_app(token: str | None = None, lean: bool = False) -> Flask:
    app = Flask(__name__)
    validator = RequestValidator(token or os.environ["TWILIO_AUTH_TOKEN"])
    if lean:
        from ivr.limits import RequestLimits
        from ivr.signatures import form_fields, public_base, signed_url
        app.wsgi_app = RequestLimits(app.wsgi_app)

        def valid() -> bool:
            url = signed_url(request, public_base(request))
            return validator.validate(url, form_fields(request), request.headers.get("X-Twilio-Signature", ""))
    else:
        def valid() -> bool:
            return validator.validate(request.url, request.form, request.headers.get("X-Twilio-Signature", ""))

    # Static routes, one per webhook, as the line has: no path converter to slow the yardstick.
    @app.post("/voice")
    @app.post("/voice/key")
    @app.post("/voice/silence")
    @app.post("/voice/transfer/done")
    def webhook():
        if not valid():
            abort(403)
        return Response(TWIML, mimetype="text/xml")

    @app.get("/audio/<language>/<prompt>.wav")
    def recording(language: str, prompt: str):
        return send_file(RECORDING, mimetype="audio/wav", max_age=86400, conditional=True, etag=True)

    return app


app = create_app() if os.environ.get("TWILIO_AUTH_TOKEN") else None   # for gunicorn
