"""Only Twilio's requests are answered: each webhook's form, read once, and its signature checked
against the line's own public address (IVR_PUBLIC_URL), never a host or forwarded header a request
names. An unsigned request costs almost nothing: it is refused before anything else is done."""
from __future__ import annotations

import functools
import logging
import re
from urllib.parse import parse_qsl, quote

from flask import Flask, Request, abort, current_app
from twilio.request_validator import SIGNATURE_SETTINGS_HEADER, RequestValidator, get_signature_algorithm

from . import metrics
from .access import LOOPBACK
from .limits import BODY

log = logging.getLogger(__name__)

FORM_TYPE = "application/x-www-form-urlencoded"   # what Twilio posts
FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # Twilio's parameter names: CallSid, DialCallStatus ...


class Fields(dict):
    """A webhook's form fields: the first value of each name, as the line reads them, and every
    value of a repeated name for the signature. twilio's RequestValidator asks for them with
    ``getall`` first: answering it spares the exceptions it catches for other kinds of dict.
    ``odd``: a name Twilio never sends (see FIELD_NAME)."""
    __slots__ = ("repeated", "odd")

    def getall(self, name: str) -> list[str]:
        return self.repeated.get(name) or [self[name]]


def form_fields(req: Request) -> Fields:
    """The form, parsed once from the body RequestLimits has read (werkzeug would read and parse
    it again into a MultiDict, then the line would copy it). Not a form: no fields."""
    fields = Fields()
    fields.repeated = {}
    fields.odd = None
    body = req.environ.get(BODY)
    if body and req.environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() == FORM_TYPE:
        # Twilio sends UTF-8; anything else is no Twilio request, and fails its signature check.
        for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, errors="replace"):
            if fields.odd is None and not FIELD_NAME.fullmatch(name):
                fields.odd = name
            if name in fields:
                fields.repeated.setdefault(name, [fields[name]]).append(value)
            else:
                fields[name] = value
    return fields


@functools.lru_cache(maxsize=64)
def quoted(path: str) -> str:
    return quote(path)   # the line has a handful of paths: quoted once each


@functools.lru_cache(maxsize=8)
def validator(token: str) -> RequestValidator:
    return RequestValidator(token)


def public_base(req: Request) -> str:
    """The line's public address: IVR_PUBLIC_URL, the one Twilio is told to call, whatever host or
    forwarded headers a request names; without it (development, the tests), as the request was
    addressed (after ProxyFix): scheme, host and prefix."""
    return current_app.config.get("IVR_PUBLIC_URL") or req.host_url.rstrip("/") + req.script_root


def signed_url(req: Request, base: str) -> str:
    """The URL as Twilio requested it: the query string exactly as sent, not re-encoded."""
    url = base + quoted(req.path)
    if req.query_string:
        url += "?" + req.query_string.decode("latin-1")
    return url


def check_signature(app: Flask, req: Request, base: str, form: Fields) -> None:
    token = app.config.get("TWILIO_AUTH_TOKEN")
    if not token:
        # Development mode may run without a token, but only for this machine.
        if app.config.get("IVR_DEVELOPMENT") and req.remote_addr in LOOPBACK:
            return
        refuse(req, "no TWILIO_AUTH_TOKEN to check signatures with")
    if form.odd is not None or not form.get("AccountSid", "").startswith("AC"):
        # Twilio's signature is the URL and the sorted fields joined with nothing between them, so a
        # captured request can be re-split: part of its URL moved into a field's name, or its
        # AccountSid's name into a value. Twilio sends every webhook its AccountSid, under names of
        # letters and digits (https://www.twilio.com/docs/voice/twiml, "Twilio's request to your
        # application"); a request that does not is no Twilio request.
        refuse(req, "a field Twilio never sends" if form.odd is not None else "no AccountSid")
    signature = req.headers.get("X-Twilio-Signature", "")
    settings = req.headers.get(SIGNATURE_SETTINGS_HEADER)
    if settings is None:
        valid = validator(token).validate(signed_url(req, base), form, signature)
    else:
        # "If a Webhooks Rule matches the webhook URL, Twilio signs with the Setting's SharedKey and
        # algorithm instead, and adds this header" (twilio-node, examples/WebhookSignatureValidation.md);
        # twilio's RequestValidator checks it with the SharedKey's secret and the header's algorithm.
        secret = app.config.get("TWILIO_WEBHOOK_SHARED_KEY")
        if not secret:
            refuse(req, f"signed with a shared key ({SIGNATURE_SETTINGS_HEADER}) but TWILIO_WEBHOOK_SHARED_KEY "
                        "is not set")
        valid = validator(secret).validate(signed_url(req, base), form, signature,
                                           algorithm=get_signature_algorithm(settings))
    if not valid:
        refuse(req, "missing or wrong Twilio signature")


def refuse(req: Request, why: str) -> None:
    log.warning("refused %s: %s", req.path, why)
    metrics.REFUSED.inc()
    abort(403)
