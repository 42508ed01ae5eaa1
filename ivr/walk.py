"""A whole call walked over HTTP against a running line, as Twilio would make it: the check that a
deployment answers (CI runs it on the production install; a council can run it after a deploy).

Every request is signed with TWILIO_AUTH_TOKEN for the URL it is sent to, so the line checks it as
it checks Twilio's. Nothing is dialled and no text is sent: only Twilio turns TwiML into calls, and
here nobody but this walk reads it. The line counts it as one call in its usage figures.
"""
from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass

from . import paths
from .line_files import LineFiles
from .simulator import ANSWERED_HTTP, Caller, OverHttp, Step


class WalkFailed(Exception):
    """One step of the walk went wrong: the message names the step."""


@dataclass
class Walked:
    step: str
    detail: str

    def line(self) -> str:
        return f"ok  {self.step}: {self.detail}"


def walk(base_url: str, token: str, files: LineFiles, called: str = "+442890000000") -> list[Walked]:
    """Health, then greeting, language, a message, 0, the team accepting on its own leg, and how the
    transfer ended; each step checked. Raises WalkFailed naming the step that failed."""
    base_url = base_url.rstrip("/")
    done: list[Walked] = []
    caller = Caller(OverHttp(), token, called_number=called, base_url=base_url)
    caller.call_params["CallSid"] = "CA" + secrets.token_hex(16)

    health = _health(base_url)
    done.append(Walked("health (/healthz)", f"status {health.get('status')}"))

    named = f"greeting ({paths.CALL})"
    greeting = _expect(named, caller.step(paths.CALL, {}), "gather")
    done.append(Walked(named, _heard(greeting, named)))
    step = greeting
    if files.config.multilingual:
        key = files.config.menu_key(files.first_language)
        step = _press(caller, step, key, f"language ({key}: {files.first_language.code})", "gather")
        done.append(Walked(f"language ({key})", _heard(step, f"language ({key})")))
    message_key = files.menu.nodes[files.menu.start].options[0].key
    step = _press(caller, step, message_key, f"a message ({message_key} on the first menu)", "gather")
    done.append(Walked(f"a message ({message_key})", _heard(step, f"a message ({message_key})")))
    person = files.menu.every_node["speak_to_someone"]
    step = _press(caller, step, person, f"speak to someone ({person})", None)
    if step.wait.kind == "gather":   # a regional line asks where the child lives: the first area
        step = _press(caller, step, "1", "the area question (1)", None)
    transfer = _expect(f"speak to someone ({person})", step, "dial")
    done.append(Walked(f"speak to someone ({person})", f"the line rings {transfer.wait.number}"))

    if transfer.wait.screen:
        leg = {"CallSid": "CA" + secrets.token_hex(16), "ParentCallSid": caller.call_params["CallSid"],
               "To": transfer.wait.number, "From": caller.call_params["To"], "Direction": "outbound-dial"}
        whisper = _expect("the whisper, on the team's leg", caller.step(transfer.wait.screen, {}, leg), "gather")
        done.append(Walked("the whisper, on the team's leg", _heard(whisper, "the whisper, on the team's leg")))
        accepted = caller.step(whisper.wait.action, {"Digits": "1"}, leg)
        if accepted.wait.kind != "end" or accepted.events:
            raise WalkFailed(f"the team accepts (1): expected an empty answer that joins the caller, got "
                             f"{accepted.wait.kind} ({accepted.wait.why})")
        done.append(Walked("the team accepts (1)", "an empty answer: Twilio joins the two"))
    ended = caller.step(transfer.wait.action, {"DialCallStatus": "completed", "DialBridged": "true",
                                               "DialCallSid": "CA" + secrets.token_hex(16)})
    if ended.wait.why != "the line hung up":
        raise WalkFailed(f"the transfer ends (Dial action): expected the line to hang up after an answered "
                         f"transfer, got: {ended.wait.why or ended.wait.kind}")
    done.append(Walked("the transfer ends (Dial action)", "answered: the line hangs up"))

    status = caller.post(paths.STATUS, {"CallStatus": "completed", "CallDuration": "95"})
    if status.status_code != 204:
        raise WalkFailed(f"the call ends ({paths.STATUS}): expected 204, got HTTP {status.status_code}")
    done.append(Walked(f"the call ends ({paths.STATUS})", "204"))
    return done


def _health(base_url: str) -> dict:
    try:
        with urllib.request.urlopen(base_url + "/healthz", timeout=10) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise WalkFailed(f"health (/healthz): HTTP {error.code}") from None
    except (OSError, ValueError) as error:
        raise WalkFailed(f"health (/healthz): no answer from {base_url} ({type(error).__name__}: {error})") from None
    if body.get("status") != "ok":
        raise WalkFailed(f"health (/healthz): {body}")
    return body


def _press(caller: Caller, step: Step, key: str, name: str, expected: str | None) -> Step:
    if step.wait.kind != "gather":
        raise WalkFailed(f"{name}: nothing is listening for a key ({step.wait.kind}: {step.wait.why})")
    answered = caller.step(step.wait.action, {"Digits": key})
    return _expect(name, answered, expected) if expected else answered


WHY_REFUSED = ("; the line refused the signature: walk it with its own TWILIO_AUTH_TOKEN, at the address "
               "its IVR_PUBLIC_URL names (it checks every signature against that address)")


def _expect(name: str, step: Step, kind: str) -> Step:
    if step.wait.kind != kind:
        what = {"gather": "a menu listening for a key", "dial": "a transfer (<Dial>)"}[kind]
        raise WalkFailed(f"{name}: expected {what}, got {step.wait.kind}"
                         + (f" ({step.wait.why})" if step.wait.why else "")
                         + (WHY_REFUSED if step.wait.why == ANSWERED_HTTP.format(403) else ""))
    return step


def _heard(step: Step, name: str) -> str:
    said = [event.text for event in step.events if event.kind in ("say", "play")]
    if not said:
        raise WalkFailed(f"{name}: answered with nothing to hear")
    first = said[0]
    return f"{len(said)} sentences, first: {first[:60]}{'…' if len(first) > 60 else ''}"
