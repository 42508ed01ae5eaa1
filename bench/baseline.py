"""The yardstick: a bare Flask app that checks Twilio's signature and answers a constant TwiML.

Whatever the line does beyond this is what the benchmark measures.
"""
import os
from pathlib import Path

from flask import Flask, Response, abort, request, send_file
from twilio.request_validator import RequestValidator

TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/voice/key" input="dtmf" '
         'numDigits="1" timeout="8"><Say>Hello.</Say></Gather><Redirect>/voice/silence</Redirect></Response>')
RECORDING = Path(__file__).resolve().parent.parent / "prompts" / "audio" / "ga" / "greeting.welcome.wav"


def create_app(token: str | None = None) -> Flask:
    app = Flask(__name__)
    validator = RequestValidator(token or os.environ["TWILIO_AUTH_TOKEN"])

    # Static routes, one per webhook, as the line has: no path converter to slow the yardstick.
    @app.post("/voice")
    @app.post("/voice/key")
    @app.post("/voice/silence")
    @app.post("/voice/transfer/done")
    def webhook():
        if not validator.validate(request.url, request.form, request.headers.get("X-Twilio-Signature", "")):
            abort(403)
        return Response(TWIML, mimetype="text/xml")

    @app.get("/audio/<language>/<prompt>.wav")
    def recording(language: str, prompt: str):
        return send_file(RECORDING, mimetype="audio/wav", max_age=86400, conditional=True, etag=True)

    return app


app = create_app() if os.environ.get("TWILIO_AUTH_TOKEN") else None   # for gunicorn
