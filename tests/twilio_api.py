"""A stand-in for Twilio's REST API: the real twilio client talks to it, and it records every request.

``FakeAccount`` answers as a Twilio account does, as strictly as the documentation says, for the
resources the line uses; each behaviour names its source. Nothing here reaches the network.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Callable

from twilio.http import HttpClient
from twilio.http.response import Response

API = "https://api.twilio.com/2010-04-01/Accounts/"
MONITOR = "https://monitor.twilio.com/v1/Alerts"
SERVERLESS = "https://serverless.twilio.com/v1/Services"
UPLOAD = "https://serverless-upload.twilio.com/v1/Services/"


def error(status: int, code: int, message: str) -> Response:
    """A REST error as Twilio answers one: "status", "message", "code", "more_info"
    (https://www.twilio.com/docs/usage/twilios-response)."""
    return Response(status, json.dumps({"status": status, "message": message, "code": code,
                                        "more_info": f"https://www.twilio.com/docs/errors/{code}"}))


def message_created(request: dict) -> Response:
    data = request["data"]
    return Response(201, json.dumps({"sid": "SM" + "0" * 32, "status": "queued", "to": data.get("To"),
                                     "from": data.get("From"), "body": data.get("Body")}))


class FakeAccount:
    """A Twilio account with phone numbers (each with capabilities and its voice settings), calls,
    alerts and Serverless services."""

    def __init__(self, sid: str | None = None, numbers: dict[str, dict] | None = None):
        self.sid = sid   # None: the account of the first request's credentials
        # "+44...": {"sms": bool, "voice": bool, and the IncomingPhoneNumber's fields}
        self.numbers = {number: self.number(number, index, **about)
                        for index, (number, about) in enumerate((numbers or {}).items())}
        self.calls: list[dict] = []
        self.alerts: list[dict] = []
        self.services: dict[str, dict] = {}
        self.messages: list[dict] = []

    def number(self, number: str, index: int, sms: bool = True, voice: bool = True, **fields) -> dict:
        # IncomingPhoneNumber: "capabilities": {"voice", "sms", "mms", "fax"} booleans
        # (https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource)
        return {"sid": f"PN{index:032x}", "account_sid": self.sid or "", "phone_number": number,
                "capabilities": {"voice": voice, "sms": sms, "mms": False, "fax": False},
                "voice_url": "", "voice_method": "POST", "voice_fallback_url": "", "voice_fallback_method": "POST",
                "status_callback": "", "status_callback_method": "POST", "sms_url": "", "sms_method": "POST",
                **fields}

    def __call__(self, request: dict) -> Response:
        url, method = request["url"], request["method"]
        account = re.match(re.escape(API) + r"(AC\w+)/", url)
        if account and self.sid is None:
            self.sid = account.group(1)
            for number in self.numbers.values():
                number["account_sid"] = self.sid
        if account and account.group(1) != self.sid:
            return error(404, 20404, f"The requested resource {url} was not found")
        if url.startswith(API + self.sid + "/Messages.json") and method == "POST":
            return self.send_message(request["data"])
        if url.startswith(API + self.sid + "/IncomingPhoneNumbers"):
            return self.incoming_numbers(request)
        if url.startswith(API + self.sid + "/Calls"):
            return self.call_resource(request)
        if url.startswith(MONITOR):
            return Response(200, json.dumps({"alerts": self.alerts, "meta": {"next_page_url": None, "key": "alerts",
                                                                             "page": 0, "page_size": 50}}))
        if url.startswith((SERVERLESS, UPLOAD)):
            return self.serverless(request)
        return error(404, 20404, f"The requested resource {url} was not found")

    # -- Messages -------------------------------------------------------------------------
    def send_message(self, data: dict) -> Response:
        sender = self.numbers.get(data.get("From"))
        if sender is None or not sender["capabilities"]["sms"]:
            # 21606: "The 'From' phone number provided is not a valid message-capable Twilio phone
            # number for this destination/account"; "Phone numbers must be SMS-capable"
            # (https://www.twilio.com/docs/api/errors/21606), as a 400 REST error.
            return error(400, 21606, f"The 'From' phone number provided ({data.get('From')}) is not a valid "
                                     "message-capable Twilio phone number for this destination.")
        self.messages.append(data)
        return message_created({"data": data})

    # -- IncomingPhoneNumbers ---------------------------------------------------------------
    def incoming_numbers(self, request: dict) -> Response:
        found = re.search(r"/IncomingPhoneNumbers/(PN\w+)\.json$", request["url"])
        if found:
            number = next((n for n in self.numbers.values() if n["sid"] == found.group(1)), None)
            if number is None:
                return error(404, 20404, "The requested resource was not found")
            if request["method"] == "POST":
                number.update({snake(key): value for key, value in request["data"].items()})
            return Response(200, json.dumps(number))
        wanted = request["params"].get("PhoneNumber")
        listed = [n for n in self.numbers.values() if wanted in (None, n["phone_number"])]
        return Response(200, json.dumps({"incoming_phone_numbers": listed, "next_page_uri": None, "page": 0,
                                         "page_size": 50, "uri": request["url"]}))

    # -- Calls --------------------------------------------------------------------------------
    def call_resource(self, request: dict) -> Response:
        found = re.search(r"/Calls/(CA\w+)\.json$", request["url"])
        if found:
            call = next((c for c in self.calls if c["sid"] == found.group(1)), None)
            if call is None:
                return error(404, 20404, "not found")
            call.update(call.pop("pending", {}))   # fetched again later: the call has ended
            return Response(200, json.dumps(visible(call)))
        if request["method"] == "POST":
            return self.create_call(request["data"])
        params = request["params"]
        listed = [visible(c) for c in self.calls if all(c.get(snake(k)) == v for k, v in params.items()
                                                        if k in ("To", "From", "ParentCallSid"))]
        return Response(200, json.dumps({"calls": listed, "next_page_uri": None, "page": 0, "page_size": 50,
                                         "uri": request["url"]}))

    def create_call(self, data: dict) -> Response:
        # "If using a phone number, it must be a Twilio number or a Verified outgoing caller id for
        # your account" (https://www.twilio.com/docs/voice/api/call-resource, From): 21210.
        if data.get("From") not in self.numbers:
            return error(400, 21210, f"The source phone number provided, {data.get('From')}, is not yet verified "
                                     "for your account.")
        # SendDigits: "a maximum length of 32 digits. Valid digits in the string include any digit
        # (0-9), 'A', 'B', 'C', 'D', '#', and '*'. You can also use 'w' ... and 'W'" (the same page).
        digits = data.get("SendDigits", "")
        if len(digits) > 32 or not re.fullmatch(r"[0-9ABCD#*wW]*", digits):
            return error(400, 21216, f"SendDigits {digits!r} is not valid")
        if "Twiml" in data and len(data["Twiml"]) > 4000:   # "Max 4000 characters" (the same page)
            return error(400, 21201, "Twiml is over 4000 characters")
        call = self.add_call(data["To"], data["From"], "outbound-api", status="queued")
        if data["To"] in self.numbers:
            # A call to a number of the same account is answered as an inbound call of its own.
            self.add_call(data["To"], data["From"], "inbound", status="completed",
                          duration=str(min(int(data.get("TimeLimit", 30)), 28)))
        call["pending"] = {"status": "completed", "duration": str(min(int(data.get("TimeLimit", 30)), 28))}
        return Response(201, json.dumps(visible(call)))

    def add_call(self, to: str, sender: str, direction: str, status: str, duration: str | None = None) -> dict:
        call = {"sid": f"CA{len(self.calls):032x}", "account_sid": self.sid, "to": to, "from": sender,
                "status": status, "direction": direction, "duration": duration, "parent_call_sid": None,
                "start_time": "Tue, 14 Jul 2026 09:00:00 +0000", "end_time": None}
        self.calls.append(call)
        return call

    # -- Serverless: a service, an asset, its version, a build, an environment, a deployment ----
    def serverless(self, request: dict) -> Response:
        url, method, data = request["url"], request["method"], request["data"]
        path = url.removeprefix(SERVERLESS).removeprefix(UPLOAD).strip("/")
        parts = path.split("/") if path else []
        if not parts:
            if method == "GET":
                return Response(200, json.dumps({"services": [public(s) for s in self.services.values()],
                                                 "meta": {"next_page_url": None, "key": "services", "page": 0,
                                                          "page_size": 50}}))
            sid = f"ZS{len(self.services):032x}"
            self.services[sid] = {"sid": sid, "unique_name": data.get("UniqueName"), "assets": {}, "builds": {},
                                  "environments": {}, "versions": {}}
            return Response(201, json.dumps(public(self.services[sid])))
        service = self.services[parts[0]]
        kind = parts[1] if len(parts) > 1 else ""
        if kind == "Assets" and len(parts) == 2:
            sid = f"ZH{len(service['assets']):032x}"
            service["assets"][sid] = {"sid": sid, "service_sid": service["sid"], "friendly_name": data.get("FriendlyName")}
            return Response(201, json.dumps(service["assets"][sid]))
        if kind == "Assets" and parts[3:] == ["Versions"]:
            body = request["data"]   # multipart/form-data: Content, Path, Visibility
            form = multipart(body, request["headers"].get("Content-Type", ""))
            sid = f"ZN{len(service['versions']):032x}"
            service["versions"][sid] = {"sid": sid, "asset_sid": parts[2], "path": form["Path"][0],
                                        "visibility": form["Visibility"][0], "content": form["Content"][0],
                                        "content_type": form["Content"][1]}
            return Response(201, json.dumps({k: v for k, v in service["versions"][sid].items() if k != "content"}))
        if kind == "Builds" and len(parts) == 2:
            sid = f"ZB{len(service['builds']):032x}"
            versions = data.get("AssetVersions")
            service["builds"][sid] = {"sid": sid, "status": "completed",
                                      "asset_versions": versions if isinstance(versions, list) else [versions]}
            return Response(201, json.dumps(service["builds"][sid]))
        if kind == "Builds" and parts[3:] == ["Status"]:
            return Response(200, json.dumps({"sid": parts[2], "status": service["builds"][parts[2]]["status"]}))
        if kind == "Environments" and len(parts) == 2:
            if method == "GET":
                return Response(200, json.dumps({"environments": list(service["environments"].values()),
                                                 "meta": {"next_page_url": None, "key": "environments",
                                                          "page": 0, "page_size": 50}}))
            sid = f"ZE{len(service['environments']):032x}"
            service["environments"][sid] = {"sid": sid, "unique_name": data.get("UniqueName"),
                                            "domain_name": f"cse-line-fallback-{len(self.services)}234-live.twil.io"}
            return Response(201, json.dumps(service["environments"][sid]))
        if kind == "Environments" and parts[3:] == ["Deployments"]:
            service["environments"][parts[2]]["build_sid"] = data.get("BuildSid")
            return Response(201, json.dumps({"sid": "ZD" + "0" * 32, "build_sid": data.get("BuildSid")}))
        return error(404, 20404, f"not found: {url}")

    def served(self, url: str) -> tuple[str, bytes] | None:
        """What a public asset's URL serves now: (content type, content), as the CDN would."""
        for service in self.services.values():
            for environment in service["environments"].values():
                build = service["builds"].get(environment.get("build_sid"), {})
                for version_sid in build.get("asset_versions", []):
                    version = service["versions"][version_sid]
                    if url == f"https://{environment['domain_name']}{version['path']}" and version["visibility"] == "public":
                        return version["content_type"], version["content"]
        return None


def visible(call: dict) -> dict:
    return {k: v for k, v in call.items() if k != "pending"}


def public(service: dict) -> dict:
    return {k: v for k, v in service.items() if k in ("sid", "unique_name")}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def multipart(body: bytes, content_type: str) -> dict[str, tuple[str, bytes | str]]:
    """The parts of a multipart/form-data body: name -> (value, or content and its content type)."""
    boundary = content_type.split("boundary=", 1)[1].encode()
    found = {}
    for part in body.split(b"--" + boundary):
        head, _, content = part.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]+)"', head)
        if not name:
            continue
        kind = re.search(rb"Content-Type: (\S+)", head)
        content = content.removesuffix(b"\r\n")
        found[name.group(1).decode()] = (content, kind.group(1).decode()) if kind else (content.decode(), "")
    return found


class RecordingHttpClient(HttpClient):
    def __init__(self, reply: Callable[[dict], Response] | None = None):
        super().__init__(logging.getLogger("tests.twilio_api"), is_async=False)
        self.reply = reply or FakeAccount(numbers={"+447700900000": {"sms": True}})
        self.requests: list[dict] = []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        request = {"method": method, "url": uri, "params": dict(params or {}),
                   "data": data if isinstance(data, bytes) else dict(data or {}),
                   "headers": dict(headers or {}), "auth": auth, "timeout": timeout}
        self.requests.append(request)
        return self.reply(request)
