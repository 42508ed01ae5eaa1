"""The go-live check: real calls to the line through Twilio, one per language (`flask --app ivr smoke-call`).

From a second Twilio number of the account, each call rings the line with Twilio's REST API
(Calls: "SendDigits: The string of keys to dial after connecting to the number ... 'w' to insert
a half-second pause", "TimeLimit: The maximum duration of the call in seconds",
https://www.twilio.com/docs/voice/api/call-resource): it presses the language's key, then the first
option of the first menu (a message), listens, and hangs up. It never presses 0: no team is rung.
Then it reads what Twilio reported of the call and of the line's side of it (the inbound call the
line answered): Monitor's Alerts ("The Notifications resource has been deprecated and replaced by
Alerts", https://twilio.com/docs/api/rest/notification), which have no filter by call, so the
account's alerts since the first call are matched by their resource SID.

Each language's call also makes Twilio fetch and cache that language's recordings (Irish), as
<Play> advises: "the first attempt may be slow due to the time spent downloading the file".
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Callable

from twilio.rest import Client

from .config import Language
from .line_files import LineFiles

SETTLE = "wwww"        # 2 s after the line answers, before the language's key (the greeting is listening)
BETWEEN = "wwwwww"     # 3 s for the first menu to start after the language is chosen
ENDED = ("completed", "busy", "failed", "no-answer", "canceled")
# The smoke call's own side: silent while it listens (TimeLimit ends it).
LISTENING = '<Response><Pause length="{seconds}"/></Response>'


@dataclass
class Smoked:
    language: str
    call: str = ""
    status: str = ""
    seconds: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "completed" and not self.errors


def keys_for(files: LineFiles, language: Language) -> str:
    """What the smoke call presses: the language's key (when there is a language menu), then the
    first option of the first menu. Never the key to a person."""
    message = files.menu.nodes[files.menu.start].options[0].key
    person = files.menu.every_node["speak_to_someone"]
    assert message != person
    choose = files.config.menu_key(language) if files.config.multilingual and language.on_menu else ""
    return f"{SETTLE}{choose}{BETWEEN}{message}" if choose else f"{SETTLE}{message}"


def smoke(client: Client, files: LineFiles, line_number: str, from_number: str, listen: int = 30,
          languages: list[Language] | None = None, wait: Callable[[float], None] = time.sleep,
          now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)) -> list[Smoked]:
    """One call per language, one after another (Twilio creates one call a second per account)."""
    started = now() - dt.timedelta(minutes=1)
    results, legs, taken = [], {}, set()
    for language in languages or list(files.config.menu_languages):
        to = line_number if language.on_menu else next(
            (n for n, code in files.config.called_numbers.items() if code == language.code), line_number)
        result = Smoked(language.code)
        call = client.calls.create(to=to, from_=from_number, send_digits=keys_for(files, language), time_limit=listen,
                                   twiml=LISTENING.format(seconds=listen))
        result.call = legs[call.sid] = call.sid
        waited = 0
        while True:
            fetched = client.calls(call.sid).fetch()
            if fetched.status in ENDED or waited > listen + 60:
                break
            wait(2)
            waited += 2
        result.status = fetched.status
        result.seconds = int(fetched.duration) if fetched.duration not in (None, "") else None
        # The line's side of it: the inbound call on the line's number from ours, started with it
        # (Twilio's Calls list filters by the two numbers and by day only).
        inbound = [c for c in client.calls.list(to=to, from_=from_number, limit=50)
                   if c.direction == "inbound" and c.sid not in taken]
        inbound.sort(key=lambda c: abs(((c.start_time or started) - (fetched.start_time or started)).total_seconds()))
        if inbound:
            taken.add(inbound[0].sid)
            legs[inbound[0].sid] = call.sid
        results.append(result)
    by_call = {result.call: result for result in results}
    for alert in client.monitor.v1.alerts.list(start_date=started, limit=1000):
        if alert.resource_sid in legs:
            by_call[legs[alert.resource_sid]].errors.append(f"{alert.error_code} ({alert.log_level})")
    return results


def table(results: list[Smoked]) -> list[str]:
    lines = ["language   seconds  errors"]
    for result in results:
        seconds = "-" if result.seconds is None else str(result.seconds)
        errors = ", ".join(result.errors) or ("none" if result.status == "completed" else f"the call {result.status}")
        lines.append(f"{result.language:<10} {seconds:>7}  {errors}")
    return lines
