"""See what Twilio sees: its Debugger webhook, counted by error code (`/twilio/alerts`).

"When an error or warning takes place on your Twilio account, this event is published into
Twilio's Debugging System ... If the Console Debugger webhook is configured, Twilio will make an
HTTP POST request for debugging events as they occur", form-encoded with Sid, AccountSid,
Timestamp, Level ("Error and Warning"), PayloadType and Payload, a JSON object whose error_code is
the error's code; "The X-Twilio-Signature HTTP header will be sent with this HTTP POST"
(https://www.twilio.com/docs/usage/troubleshooting/debugging-event-webhooks).

The Payload may hold the request Twilio made (a caller's number among its parameters): only the
code and the level are read, counted in /metrics, shown on the console's status page with the time
of the last one, and logged with the resource's SID shortened. An alert sent twice (Twilio retries;
its Sid is the same) is counted once.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import time

from flask import Blueprint, Response, current_app
from prometheus_client import Counter, Gauge

from .privacy import mask_sid
from .usage import CallRef
from .webhook import CallStep, webhook

log = logging.getLogger(__name__)

ALERTS = Counter("ivr_twilio_alerts", "Errors and warnings Twilio's Debugger reported, by error code and level",
                 ["code", "level"])
LAST_ALERT = Gauge("ivr_twilio_alert_last_seconds", "When Twilio last reported each error code (Unix time)",
                   ["code"], multiprocess_mode="max")
CODE = re.compile(r"[0-9]{3,6}")          # Twilio's error codes (11200, 12100, 13201 …): a few hundred in all
LEVELS = ("error", "warning")
MORE = "https://www.twilio.com/docs/errors/{code}"
bp = Blueprint("alerts", __name__)   # about the account, not a call


def code_of(payload: str | None) -> str:
    """The error code of a Debugger Payload, or "unknown": never more than Twilio's codes as labels."""
    try:
        found = json.loads(payload or "")
    except ValueError:
        return "unknown"
    code = str(found.get("error_code", "")) if isinstance(found, dict) else ""
    return code if CODE.fullmatch(code) else "unknown"


def resource_of(payload: str | None) -> str | None:
    try:
        found = json.loads(payload or "")
    except ValueError:
        return None
    sid = found.get("resource_sid") if isinstance(found, dict) else None
    return sid if isinstance(sid, str) else None


def level_of(level: str | None) -> str:
    level = (level or "").strip().lower()   # "Error", or "ERROR" in the page's own example
    return level if level in LEVELS else "other"


def receive(form, facts, day, now: float | None = None) -> bool:
    """Count one Debugger event; False if it was counted before (the same Sid sent again)."""
    sid = form.get("Sid") or ""
    seen = facts.claim(CallRef(hashlib.sha256(sid.encode()).hexdigest()[:16], day), "alert") if sid else None
    if seen is False:
        return False
    code, level = code_of(form.get("Payload")), level_of(form.get("Level"))
    ALERTS.labels(code, level).inc()
    LAST_ALERT.labels(code).set(now if now is not None else time.time())
    log.warning("Twilio reported %s %s on %s (%s)", level, code, mask_sid(resource_of(form.get("Payload"))),
                MORE.format(code=code) if code != "unknown" else "no error code")
    return True


def seen(registry) -> list[dict]:
    """The codes Twilio reported since the line started: code, level, count, last time, most recent first."""
    counts: dict[tuple[str, str], float] = {}
    last: dict[str, float] = {}
    for metric in registry.collect():
        for sample in metric.samples:
            if sample.name == "ivr_twilio_alerts_total":
                key = (sample.labels["code"], sample.labels["level"])
                counts[key] = counts.get(key, 0) + sample.value
            elif sample.name == "ivr_twilio_alert_last_seconds":
                last[sample.labels["code"]] = max(last.get(sample.labels["code"], 0), sample.value)
    rows = [{"code": code, "level": level, "count": int(count), "last": last.get(code),
             "more": MORE.format(code=code) if code != "unknown" else None}
            for (code, level), count in counts.items() if count]
    return sorted(rows, key=lambda row: -(row["last"] or 0))


@bp.post("/twilio/alerts")
@webhook
def twilio_alert(step: CallStep):
    """Twilio's Debugger webhook: an error or a warning on the account, counted by code
    (ivr/twilio_alerts.py). Signed like every webhook; no call's safety net here: a failure to count
    is logged, and Twilio gets its 204 all the same."""
    try:
        receive(step.form, current_app.extensions["ivr.facts"], step.engine.config.hours.local(step.call.now).date())
    except Exception:
        log.exception("a Twilio alert could not be counted")
    return Response(status=204)
