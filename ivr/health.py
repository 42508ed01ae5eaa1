"""What the line serves without a signature: /healthz for the operator's monitoring (nothing about
callers or secrets), and the recordings Twilio plays (public words)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, send_file

from .context import name_the_request
from .webhook import engine

bp = Blueprint("public", __name__)
RECORDING_MAX_AGE = 24 * 3600   # Twilio and proxies may keep a recording this long


@bp.get("/audio/<language>/<prompt>.wav")
def recording(language: str, prompt: str):
    """Only a known prompt in a known language: the path never comes from the request."""
    found = current_app.extensions["ivr.files"].recordings.served(language, prompt)
    if found is None:
        abort(404)
    try:
        return send_file(found, mimetype="audio/wav", max_age=RECORDING_MAX_AGE, conditional=True, etag=True)
    except FileNotFoundError:   # gone since the line last looked (Recordings.look): not found, not an error
        abort(404)


@bp.get("/healthz")
def healthz():
    """For the operator's monitoring: no signature, nothing about callers or secrets."""
    name_the_request()
    recorder = current_app.extensions["ivr.usage"]
    recordings = current_app.extensions["ivr.files"].recordings
    store = recorder.store
    # known already: the store is not asked; a write waiting for it too long counts as failing
    store_ok = store is not None and recorder.writing_ok and not recorder.stalled()
    recordings.look()
    missing = recordings.missing
    checks = {
        "config": "ok",      # the app would not have started without it
        "catalogs": "ok",    # nor without every translation
        "recordings": "ok" if not missing else f"{len(missing)} missing: "
                      + ", ".join(f"{code}/{prompt}" for code, prompt in sorted(missing)[:5]),
        "languages": len(engine().config.languages),
        "store": "ok" if store_ok else ("off" if store is None else "failing"),
        "signatures": "checked" if current_app.config.get("TWILIO_AUTH_TOKEN") else "not checked",
        "texts": "offered" if engine().texts_offered else "not offered",
    }
    # 200 whenever calls can be answered: a failing store costs figures, not calls, and is
    # no reason for a platform to restart the line.
    healthy = checks["store"] != "failing" and not missing
    return jsonify(status="ok" if healthy else "degraded", **checks), 200
