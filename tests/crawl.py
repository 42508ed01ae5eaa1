"""Every TwiML document a line can answer with, reached as Twilio would reach them: from /voice,
every key at every <Gather>, every silence (<Redirect>), the team's leg of every <Number url> with
every key, and every way Twilio reports how a <Dial> ended. Each request is signed; each document
is kept with the leg it was played on ("caller", or "team" for a <Number url>)."""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from twilio.request_validator import RequestValidator

from .phone import BASE_URL

KEYS = tuple("0123456789*#")
# How Twilio reports the end of a <Dial> to its action (https://www.twilio.com/docs/voice/twiml/dial:
# DialCallStatus completed, answered, busy, no-answer, failed, canceled; DialBridged, which "may be
# absent": it came with the 2020-12-09 changelog, and its entry scopes it to some accounts).
DIAL_ENDINGS = (
    {"DialCallStatus": "completed", "DialBridged": "true"},
    {"DialCallStatus": "completed", "DialBridged": "false"},
    {"DialCallStatus": "completed"},
    {"DialCallStatus": "busy", "DialBridged": "false"},
    {"DialCallStatus": "no-answer", "DialBridged": "false"},
    {"DialCallStatus": "failed", "DialBridged": "false"},
    {"DialCallStatus": "canceled"},
)
STEP = re.compile(r"[?&]n=[0-9]+")
COUNTED = re.compile(r"[?&](silences|wrong|prompted)=[0-9]+")
TEXTED = re.compile(r"[?&]texted=1")
NODE = re.compile(r"[?&]node=([^&]+)")   # the step of the call in a URL: documents differing by it alone are one
TEAM_LEG = {"CallSid": "CA" + "feed" * 8, "ParentCallSid": "CA" + "1234abcd" * 4, "Direction": "outbound-dial"}


@dataclass(frozen=True)
class Document:
    url: str
    form: tuple[tuple[str, str], ...]
    leg: str
    body: bytes


class Poster:
    """Signed POSTs straight into the app's WSGI callable, as Twilio's would arrive: a crawl makes tens
    of thousands, and the test client's request building would double their cost."""

    def __init__(self, app, token: str, call_sid: str = "CA" + "1234abcd" * 4):
        self.app = app.wsgi_app
        self.validator = RequestValidator(token)
        self.call = {"CallSid": call_sid, "AccountSid": "AC" + "0" * 32}

    def post(self, url: str, form: dict) -> tuple[int, bytes]:
        absolute = BASE_URL + url
        form = {**self.call, **form}
        parts = urlsplit(absolute)
        body = urlencode(form).encode()
        environ = {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": parts.path, "QUERY_STRING": parts.query,
                   "SERVER_NAME": parts.hostname, "SERVER_PORT": "443", "HTTP_HOST": parts.hostname,
                   "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(body),
                   "wsgi.errors": io.StringIO(), "wsgi.multithread": False, "wsgi.multiprocess": False,
                   "wsgi.run_once": False, "wsgi.version": (1, 0), "REMOTE_ADDR": "198.51.100.1",
                   "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
                   "HTTP_X_TWILIO_SIGNATURE": self.validator.compute_signature(absolute, form)}
        status = []
        chunks = self.app(environ, lambda line, headers, exc_info=None: status.append(int(line.split()[0])))
        try:
            return status[0], b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()


def crawl(poster: Poster, start_forms: list[dict], variants: list[dict] = (), texted_nodes: set[str] = frozenset(),
          limit: int = 50_000) -> list[Document]:
    """Every document reachable from /voice with each of ``start_forms`` (the call's own fields).

    Documents that differ only in the step of the call (``n``) are one. At a menu reached after a
    silence or a wrong key (its URL counts them), every right key answers as it does on the fresh
    menu (a choice starts its node afresh): there, only the silence and one key found wrong on the
    fresh menu are followed, so the counts and what happens at their limits are all reached.
    ``variants``: other call fields (a withheld caller), tried on each request that is answered
    with a <Dial>, the only documents that depend on them. Once a text is sent, every later URL
    carries texted=1, and only sending again answers otherwise: with it, only ``texted_nodes`` (the
    text menu and the menu leading to it) are followed."""
    seen: set[tuple] = set()
    expanded: set[tuple] = set()   # what comes next depends only on the document (and the call's fields)
    wrong: dict[str, str] = {}     # a menu's URL without its counts -> a key that was wrong there
    found: list[Document] = []
    todo: deque[tuple[str, dict, str]] = deque(("/voice", form, "caller") for form in start_forms)
    while todo:
        url, form, leg = todo.popleft()
        key = (url, tuple(sorted(form.items())), leg)
        if TEXTED.search(url) and NODE.search(url) and NODE.search(url).group(1) not in texted_nodes:
            continue
        same = (STEP.sub("", url), key[1], leg)
        if same in seen:
            continue
        seen.add(same)
        status, data = poster.post(url, form)
        assert status == 200, f"{url} {form}: HTTP {status}"
        document = Document(url, key[1], leg, data)
        found.append(document)
        if leg == "caller" and b"<Dial" in data:
            for variant in variants:
                changed = {**form, **variant}
                status, other = poster.post(url, changed)
                assert status == 200, f"{url} {changed}: HTTP {status}"
                found.append(Document(url, tuple(sorted(changed.items())), leg, other))
        if len(found) >= limit:
            raise AssertionError("the crawl does not end")
        if "Digits" in form and not COUNTED.search(url) and COUNTED.search(action_of(document) or ""):
            wrong.setdefault(fresh(url), form["Digits"])
        call = {name: value for name, value in form.items() if name in ("From", "To")}
        body = (STEP.sub("", data.decode()), tuple(sorted(call.items())), leg)
        if body in expanded:
            continue
        expanded.add(body)
        for follow in following(document, call):
            url, form, _ = follow
            if "Digits" in form and COUNTED.search(url) and form["Digits"] != wrong.get(fresh(url), form["Digits"]):
                continue
            todo.append(follow)
    return found


def action_of(document: Document) -> str | None:
    gather = ET.fromstring(document.body).find("Gather")
    return gather.get("action") if gather is not None else None


def fresh(url: str) -> str:
    """A menu's URL without the step and the counts of silences and wrong keys."""
    return COUNTED.sub("", STEP.sub("", url))


def following(document: Document, call: dict) -> list[tuple[str, dict, str]]:
    """The requests Twilio would make next from ``document``."""
    root = ET.fromstring(document.body)
    found = []
    gather = root.find("Gather")
    if gather is not None:
        extra = TEAM_LEG if document.leg == "team" else {}
        found += [(gather.get("action"), {**call, **extra, "Digits": key}, document.leg) for key in KEYS]
    redirect = root.find("Redirect")
    if redirect is not None:
        found.append((redirect.text, dict(call), document.leg))
    dial = root.find("Dial")
    if dial is not None:
        number = dial.find("Number")
        if number is not None and number.get("url"):
            team = {**TEAM_LEG, "To": number.text, "From": call.get("To", "")}
            found.append((number.get("url"), team, "team"))
        if dial.get("action"):
            found += [(dial.get("action"), {**call, **ending}, "caller") for ending in DIAL_ENDINGS]
    return found


def signed_query(path: str, **query: str) -> str:
    return f"{path}?{urlencode(query)}" if query else path
