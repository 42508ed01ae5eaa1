"""What the council's Twilio account says about going live (`flask --app ivr check --live`).

Read through Twilio's REST API with the credentials of the environment, nothing changed:
- the text sender (texting.from) must be a number of this account that can send texts: "You can
  only send SMS messages from a phone number ... provided by or ported to Twilio. Phone numbers
  must be SMS-capable" (error 21606); a landline sender makes every text fail;
- each number whose voice URL is the line's (…/voice) should have a fallback URL that is not on
  the line's own host: "If Twilio is unable to retrieve or execute TwiML from your web server, a
  request is immediately made to the number's Fallback URL"
  (https://www.twilio.com/docs/usage/security/availability-reliability), so a fallback on the
  same server fails whenever the server does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from . import paths
from .config import LineConfig


@dataclass
class AccountCheck:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_account(client: Client, config: LineConfig) -> AccountCheck:
    found = AccountCheck()
    try:
        numbers = client.incoming_phone_numbers.list(limit=1000)
    except TwilioException as error:
        status = getattr(error, "status", None) or next(
            (arg.status_code for arg in error.args if hasattr(arg, "status_code")), None)
        found.problems.append(f"the Twilio account could not be read (HTTP {status or 'error'}): check "
                              "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        return found
    except OSError as error:
        found.problems.append(f"the Twilio account could not be reached ({type(error).__name__})")
        return found
    texting = config.texting
    if texting:
        sender = next((n for n in numbers if n.phone_number == texting.sender), None)
        if sender is None:
            found.problems.append(f"texting.from: {texting.sender} is not a number of this Twilio account "
                                  f"({client.account_sid}): every text would fail (Twilio error 21606)")
        elif not (sender.capabilities or {}).get("sms"):
            found.problems.append(f"texting.from: {texting.sender} cannot send texts (Twilio lists it without SMS): "
                                  "every text would fail (error 21606); use a mobile number of the account")
    line_numbers = [n for n in numbers if paths.reaches_line(n.voice_url)]
    if not line_numbers:
        found.warnings.append("no number of this Twilio account points at a line yet (a voice URL ending in "
                              f"{paths.CALL}): `flask --app ivr twilio-number NUMBER BASE_URL --apply`")
    for number in line_numbers:
        fallback = number.voice_fallback_url or ""
        if not fallback:
            found.warnings.append(f"{number.phone_number}: no fallback URL: if the line cannot answer, callers hear "
                                  "Twilio's error message (`twilio-number ... --publish-fallback --apply`)")
        elif urlsplit(fallback).hostname == urlsplit(number.voice_url).hostname:
            found.warnings.append(f"{number.phone_number}: the fallback URL is on the line's own host "
                                  f"({urlsplit(fallback).hostname}): when the server is down, so is the fallback "
                                  "(`twilio-number ... --publish-fallback --apply` puts it on Twilio's)")
    return found
