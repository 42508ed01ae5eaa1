"""A stand-in for Twilio's REST API: the real twilio client talks to it, and it records every request."""
from __future__ import annotations

import json
import logging
from typing import Callable

from twilio.http import HttpClient
from twilio.http.response import Response


def message_created(request: dict) -> Response:
    data = request["data"]
    return Response(201, json.dumps({"sid": "SM" + "0" * 32, "status": "queued", "to": data.get("To"),
                                     "from": data.get("From"), "body": data.get("Body")}))


class RecordingHttpClient(HttpClient):
    def __init__(self, reply: Callable[[dict], Response] = message_created):
        super().__init__(logging.getLogger("tests.twilio_api"), is_async=False)
        self.reply = reply
        self.requests: list[dict] = []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        request = {"method": method, "url": uri, "params": params or {}, "data": dict(data or {}),
                   "auth": auth, "timeout": timeout}
        self.requests.append(request)
        return self.reply(request)
