"""Pointing the council's Twilio number at the line, through Twilio's REST API.

It finds the number in the account, works out what must change (voice URL, fallback URL, status
callback, and the messaging URL that answers texts sent to it), and changes it only when asked. The fallback is best kept off the line's own server
(a TwiML Bin, or the fallback TwiML published on Twilio's servers: ivr/fallback_asset.py); left
there, the plan says what that costs.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from . import paths
from .phone_numbers import is_e164


class NumberError(Exception):
    """A problem explained in one line for the telephony team."""


@dataclass
class Plan:
    number: str
    sid: str
    changes: dict[str, tuple[str | None, str]]   # field -> (now, wanted)
    applied: bool = False
    fallback_on_the_line: bool = False

    def lines(self) -> list[str]:
        if not self.changes:
            shown = [f"{self.number} ({self.sid}) already points at the line: nothing to change"]
        else:
            shown = [f"{self.number} ({self.sid}):"]
            for field, (now, wanted) in self.changes.items():
                shown.append(f"  {field}: {now or '(empty)'} -> {wanted}")
            shown.append("changed." if self.applied else "nothing changed yet: run again with --apply to change it")
        if self.fallback_on_the_line:
            shown.append(FALLBACK_ON_THE_LINE)
        return shown


FALLBACK_ON_THE_LINE = ("warning: the fallback URL is on the line's own server: when it is down, so is the fallback, "
                        "and callers hear Twilio's error message. Add --publish-fallback to keep it on Twilio's "
                        "servers, or --fallback-url with a TwiML Bin holding `flask --app ivr fallback-twiml`.")


def https_url(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or parts.fragment:
        raise NumberError(f"{what} {url!r} must be an https address, like https://line.example.org")
    return url


def wanted_settings(base_url: str, fallback_url: str | None = None, fallback_method: str = "POST") -> dict[str, str]:
    parts = urlsplit(base_url)
    if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
        raise NumberError(f"the base URL {base_url!r} must be the line's public https address, "
                          "like https://line.example.org (Twilio signs and should reach it over HTTPS)")
    base = base_url.rstrip("/")
    for given in (paths.FALLBACK, paths.STATUS, paths.CALL):   # the webhook's own address, given as the base
        if base.endswith(given):
            base = base[: -len(given)]
            break
    return {
        "voice_url": base + paths.CALL, "voice_method": "POST",
        "voice_fallback_url": https_url(fallback_url, "the fallback URL") if fallback_url else base + paths.FALLBACK,
        "voice_fallback_method": fallback_method if fallback_url else "POST",
        "status_callback": base + paths.STATUS, "status_callback_method": "POST",
        # Texts sent to the number (replies to the line's text): answered once, saying nobody reads them.
        "sms_url": base + paths.TEXT_REPLY, "sms_method": "POST",
    }


def client_from(environ, http_client=None) -> Client:
    """Credentials only from the environment: an account SID with its auth token, or an API key pair."""
    sid, token = environ.get("TWILIO_ACCOUNT_SID"), environ.get("TWILIO_AUTH_TOKEN")
    key, secret = environ.get("TWILIO_API_KEY"), environ.get("TWILIO_API_SECRET")
    if sid and key and secret:
        return Client(key, secret, account_sid=sid, http_client=http_client)
    if sid and token:
        return Client(sid, token, http_client=http_client)
    raise NumberError("set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and TWILIO_API_SECRET "
                      "with TWILIO_ACCOUNT_SID) in the environment")


def point(client: Client, number: str, base_url: str, apply: bool, fallback_url: str | None = None,
          fallback_method: str = "POST") -> Plan:
    if not is_e164(number):
        raise NumberError(f"{number!r} is not a phone number in E.164 form, like +442890000000")
    wanted = wanted_settings(base_url, fallback_url, fallback_method)
    try:
        found = client.incoming_phone_numbers.list(phone_number=number, limit=2)
        if not found:
            raise NumberError(f"{number} is not a number in this Twilio account "
                              f"({client.account_sid}); check the number and the credentials")
        current = found[0]
        changes = {field: (getattr(current, field), value) for field, value in wanted.items()
                   if (getattr(current, field) or "").upper() != value.upper()}
        plan = Plan(number, current.sid, changes,
                    fallback_on_the_line=urlsplit(wanted["voice_fallback_url"]).hostname == urlsplit(wanted["voice_url"]).hostname)
        if apply and changes:
            client.incoming_phone_numbers(current.sid).update(**wanted)
            plan.applied = True
        return plan
    except TwilioException as error:
        # An update fails as a TwilioRestException with a status; a list, as a TwilioException
        # that carries the HTTP response.
        status = getattr(error, "status", None) or next(
            (arg.status_code for arg in error.args if hasattr(arg, "status_code")), None)
        if status in (401, 403):
            raise NumberError("Twilio refused the credentials: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN "
                              "(or the API key pair)") from None
        raise NumberError(f"Twilio answered {status or 'with an error'}: {getattr(error, 'msg', error)}") from None
    except OSError as error:   # connection refused, DNS, timeouts (requests' errors are OSErrors)
        raise NumberError(f"could not reach Twilio: {type(error).__name__}") from None
