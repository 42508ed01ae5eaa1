"""A test caller: posts signed requests to the webhooks and reads the TwiML back.

Each reply knows what was said, what it listens for and where each choice goes,
so a test reads as a call: ``phone.ring().press("2").silence()``. Like Twilio, it accepts only
TwiML within Twilio's vocabulary (ivr/vocabulary.py): any other fails the test, as it would fail
the call (an invalid document sends the call to the fallback URL: the TwiML changelog,
2024-07-22, and https://www.twilio.com/docs/usage/security/availability-reliability).
"""
from __future__ import annotations

import re
import secrets
import xml.etree.ElementTree as ET
from urllib.parse import urljoin

from twilio.request_validator import RequestValidator

from ivr import vocabulary
from ivr.simulator import spoken_text

BASE_URL = "https://line.example.org"
GATEWAY = "+443001234333"   # the Northern Trust's Gateway Team, as line.yaml ships it
CALLER = "+447700900123"
LINE_NUMBER = "+442890000000"
# What Twilio sends as From when the caller withholds their number: "If a caller ID is withheld or
# otherwise unavailable, you may receive a string that contains anonymous, unknown, or other
# descriptions" (https://www.twilio.com/docs/voice/twiml), in whatever case the carrier sends
# (TwiML changelog, 2024-07-22).
WITHHELD = "anonymous"
ABSENT = object()   # a parameter Twilio leaves out


class Phone:
    def __init__(self, client, token: str, base_url: str = BASE_URL):
        self.client = client
        self.validator = RequestValidator(token)
        self.base_url = base_url
        self.call = {"CallSid": "CA" + "1234abcd" * 4, "AccountSid": "AC" + "0" * 32,
                     "From": CALLER, "To": LINE_NUMBER}

    def post(self, url: str, form: dict | None = None, signature: str | None = None, headers=None):
        absolute = urljoin(self.base_url + "/", url)
        form = {**self.call, **(form or {})}
        if signature is None:
            signature = self.validator.compute_signature(absolute, form)
        headers = {"X-Twilio-Signature": signature, **(headers or {})}
        return self.client.post(absolute, data=form, headers=headers)

    def reply(self, url: str, form: dict | None = None) -> "Reply":
        response = self.post(url, form)
        assert response.status_code == 200, response.data
        assert response.mimetype == "text/xml"
        leg = "team" if (form or {}).get("ParentCallSid") else "caller"
        problems = vocabulary.load().check(response.data, leg)
        assert not problems, f"Twilio would refuse this TwiML ({url}): {problems}"
        return Reply(self, ET.fromstring(response.data))

    def ring(self, to: str | None = None) -> "Reply":
        return self.reply("/voice", {"To": to} if to else None)

    def english(self) -> "Reply":
        """Ring the shipped line and choose English (key 1): the main menu in English."""
        return self.ring().press("1")


class Reply:
    def __init__(self, phone: Phone, root: ET.Element):
        self.phone = phone
        self.root = root
        assert root.tag == "Response"

    # -- what the caller hears -------------------------------------------------
    @property
    def says(self) -> list[ET.Element]:
        return list(self.root.iter("Say"))

    @property
    def said(self) -> list[str]:
        return [spoken_text(say) for say in self.says]

    @property
    def text(self) -> str:
        return "\n".join(self.said)

    def hears(self, fragment: str) -> bool:
        return fragment in self.text

    @property
    def rates(self) -> set[str]:
        """The speech rates asked for (SSML prosody): empty at the normal pace, {"80%"} slower."""
        return {prosody.get("rate") for prosody in self.root.iter("prosody")}

    # -- what the line does ----------------------------------------------------
    @property
    def gather(self) -> ET.Element | None:
        return self.root.find("Gather")

    @property
    def dial(self) -> ET.Element | None:
        return self.root.find("Dial")

    @property
    def dialled(self) -> list[str]:
        return [number.text for number in self.root.iter("Number")]

    @property
    def hangs_up(self) -> bool:
        return self.root.find("Hangup") is not None

    @property
    def listens(self) -> bool:
        return self.gather is not None

    # -- the caller's next move --------------------------------------------------
    def press(self, key: str) -> "Reply":
        assert self.gather is not None, f"nothing is listening for a key:\n{self.text}"
        return self.phone.reply(self.gather.get("action"), {"Digits": key})

    def silence(self) -> "Reply":
        redirect = self.root.find("Redirect")
        assert redirect is not None, "no <Redirect> for silence"
        return self.phone.reply(redirect.text)

    def transfer_ends(self, status: str, bridged=None, dialled_sid: str | None = None,
                      action: str | None = None) -> "Reply":
        """Twilio reports how the transfer ended. ``bridged``: whether the caller was joined to
        someone (by default: when the called side picked up and, screened, pressed 1); ABSENT: Twilio
        leaves DialBridged out (it came with the 2020-12-09 changelog, one version of whose entry
        scopes it to some accounts). ``dialled_sid``: the called leg's CallSid (DialCallSid).
        ``action``: the <Dial>'s action as changed by the test (else its own)."""
        assert self.dial is not None and self.dial.get("action"), "no transfer with an action"
        if bridged is None:
            bridged = "true" if status in ("completed", "answered") else "false"
        form = {"DialCallStatus": status, "DialCallSid": dialled_sid or "CA" + secrets.token_hex(16)}
        if bridged is not ABSENT:
            form["DialBridged"] = bridged
        return self.phone.reply(action or self.dial.get("action"), form)


def say(reply, words):
    """The caller says ``words`` where ``reply`` listens: Twilio posts what it recognised."""
    assert "speech" in reply.gather.get("input"), "this menu does not listen"
    return reply.phone.reply(reply.gather.get("action"), {"SpeechResult": words, "Confidence": "0.87"})


TEAM_LEG = {"CallSid": "CA" + "feed" * 8, "ParentCallSid": "CA" + "1234abcd" * 4, "Direction": "outbound-dial"}


# -- the team's leg of a transfer ---------------------------------------------------------
def team(reply, number=GATEWAY):
    """Whoever answers the transfer's <Number>: its whisper, as a signed request for the team's leg."""
    url = reply.root.find("Dial/Number").get("url")
    assert url, "this number is not screened"
    return reply.phone.reply(url, {**TEAM_LEG, "To": number, "From": reply.phone.call["To"]})


def press_on_team_leg(whisper, key, number=GATEWAY):
    gather = whisper.gather
    return whisper.phone.reply(gather.get("action"), {**TEAM_LEG, "To": number, "Digits": key})


def metric(client, name, **labels):
    text = client.get("/metrics").data.decode()
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = rf"^{name}{{{re.escape(wanted)}}} (\S+)$" if labels else rf"^{name} (\S+)$"
    found = re.search(pattern, text, re.M)
    return float(found.group(1)) if found else 0.0
