"""The production app for tests that run real servers: ivr.wsgi's app, refusing to start as it
does, with one change: its Twilio REST client is the fake account of tests/twilio_api.py, which
appends each request to the file IVR_TEST_TWILIO_REQUESTS names (one JSON line each), so that a
test sees what every instance asked of Twilio. Nothing reaches Twilio.

Served by gunicorn with gunicorn.conf.py: `gunicorn -c gunicorn.conf.py tests.instance_app:app`.
"""
import json
import os
import sys

from ivr import create_app
from ivr.wsgi import missing_settings

from .twilio_api import FakeAccount, RecordingHttpClient


class FileRecordingHttpClient(RecordingHttpClient):
    def __init__(self, path: str):
        super().__init__(FakeAccount(numbers={"+447700900000": {"sms": True}}))
        self.path = path

    def request(self, method, uri, **kwargs):
        answer = super().request(method, uri, **kwargs)
        with open(self.path, "a") as log:   # one short line per request: appends do not interleave
            log.write(json.dumps({"method": method, "url": uri, "data": self.requests[-1]["data"],
                                  "status": answer.status_code, "pid": os.getpid()}) + "\n")
        return answer


if missing_settings(os.environ):
    sys.exit("\n".join(missing_settings(os.environ)))
app = create_app({"TWILIO_HTTP_CLIENT": FileRecordingHttpClient(os.environ["IVR_TEST_TWILIO_REQUESTS"])})
