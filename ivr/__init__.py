"""A telephone information line about child sexual exploitation, answered with Twilio.

``create_app`` builds the Flask app, as in Flask's tutorial. All settings come
from the environment (secrets) and line.yaml (everything else).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import checks, logs, metrics, recorder, texting
from .access import Guesses
from .call_facts import CallFacts
from .files import ConfigError
from .limits import MAX_BYTES, RequestLimits
from .render import Renderer

log = logging.getLogger(__name__)


def project_root() -> Path:
    """Where prompts/, locales/ and line.yaml live: IVR_ROOT, the checkout, or the current folder."""
    if os.environ.get("IVR_ROOT"):
        return Path(os.environ["IVR_ROOT"])
    checkout = Path(__file__).resolve().parent.parent
    return checkout if (checkout / "prompts").is_dir() else Path.cwd()


def config_path() -> Path:
    return Path(os.environ.get("IVR_CONFIG") or project_root() / "line.yaml")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def proxy_hops(value: str | None) -> int:
    if not value:
        return 0
    if not value.isdigit():
        raise ConfigError("environment", [f"IVR_PROXY_HOPS: {value!r} must be the number of proxies in front of the line (0, 1, 2 ...)"])
    return int(value)


def public_url(value: str) -> str:
    """IVR_PUBLIC_URL as the signature base: scheme, host, optional port and prefix, no slash after."""
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError("environment", [f"IVR_PUBLIC_URL: {value!r} must be the line's public address, like "
                                          "https://line.council.example (the address Twilio calls)"])
    return value.rstrip("/")


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        IVR_ROOT=project_root(),
        IVR_CONFIG=config_path(),
        TWILIO_AUTH_TOKEN=os.environ.get("TWILIO_AUTH_TOKEN") or None,
        # The secret of a Twilio SharedKey, for webhooks a Webhooks Rule signs with it (see README).
        TWILIO_WEBHOOK_SHARED_KEY=os.environ.get("TWILIO_WEBHOOK_SHARED_KEY") or None,
        IVR_DEVELOPMENT=os.environ.get("IVR_DEVELOPMENT") == "1",
        # Translations whose English changed spoken as drafts (a translator hearing their work in
        # context); else such a language is withheld from callers until it is ready.
        IVR_DRAFTS=os.environ.get("IVR_DEVELOPMENT") == "1",
        IVR_PROXY_HOPS=os.environ.get("IVR_PROXY_HOPS"),
        # The line's public address, as Twilio is told to call it: signatures are checked against it.
        IVR_PUBLIC_URL=os.environ.get("IVR_PUBLIC_URL") or None,
        IVR_CLOCK=utc_now,
        TWILIO_ACCOUNT_SID=os.environ.get("TWILIO_ACCOUNT_SID") or None,
        TWILIO_HTTP_CLIENT=None,   # tests put a recording client here; None: twilio's own, with a timeout
        IVR_DATABASE_URL=None,     # the usage store; None: DATABASE_URL, else line.yaml's SQLite file
        IVR_USAGE_SECRET=os.environ.get("IVR_USAGE_SECRET") or None,
        IVR_RECORD_USAGE=True,     # False: keep no figures (the terminal call)
        # Where each worker keeps its events until they are stored (gunicorn.conf.py sets it).
        IVR_SPOOL_DIR=os.environ.get("IVR_SPOOL_DIR") or None,
        IVR_CONSOLE_PASSWORD=os.environ.get("IVR_CONSOLE_PASSWORD") or None,
        # JSON log lines for production (ivr.wsgi); plain ones for a person (make run, the commands).
        IVR_JSON_LOGS=os.environ.get("IVR_DEVELOPMENT") != "1",
    )
    if test_config:
        app.config.update(test_config)
    logs.install(json_lines=app.config["IVR_JSON_LOGS"])

    app.config["MAX_CONTENT_LENGTH"] = MAX_BYTES   # (RequestLimits refuses more before Flask sees it)
    hops = proxy_hops(str(app.config["IVR_PROXY_HOPS"] or ""))
    if hops:
        # Twilio signs the public https URL; the proxy's X-Forwarded-* headers restore it.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)

    if app.config["IVR_PUBLIC_URL"]:
        app.config["IVR_PUBLIC_URL"] = public_url(app.config["IVR_PUBLIC_URL"])
    # Outermost, so wrapped last: an oversized request is refused before anything (even the proxy fix) reads it.
    app.wsgi_app = RequestLimits(app.wsgi_app, proxy_hops=hops)
    files = checks.load(Path(app.config["IVR_ROOT"]), Path(app.config["IVR_CONFIG"]),
                        drafts=app.config["IVR_DRAFTS"]).files
    metrics.withheld(files.withheld)
    config = files.config
    usage = recorder.init_app(app, config)
    facts = app.extensions["ivr.facts"] = CallFacts(usage.store)
    app.extensions["ivr.guesses"] = Guesses(usage.store, usage.secret)
    facts.forget_old(config.hours.local(app.config["IVR_CLOCK"]()).date())
    engine = files.engine(texting.init_app(app, config, facts))
    # What the line can say is made into TwiML now, as it will be played from its public address
    # (without one, in development, requests name their own: nothing is made); but not what says
    # opening hours (a few messages, deep in a call): their words need CLDR's data for the
    # language, about 1 MB each, which is loaded only once a caller reaches them.
    public = app.config["IVR_PUBLIC_URL"]
    renderer = Renderer(files.wording, files.recordings, config.input.timeout_seconds, config.first_language,
                        [utterance for language in config.languages for utterance in files.inventory.utterances(language)
                         if not files.wording.says_hours(utterance.prompt)] if public else [],
                        public or "")
    app.extensions.update({
        "ivr.files": files, "ivr.engine": engine, "ivr.renderer": renderer,
        # Built now, so the last resort needs nothing that could fail mid-call.
        "ivr.fallback_twiml": renderer.twiml(engine.fallback),
    })

    from . import console, health, replies, twilio_alerts, web
    for blueprint in (web.bp, console.bp, metrics.bp, health.bp, twilio_alerts.bp, replies.bp):
        app.register_blueprint(blueprint)

    if not app.config["TWILIO_AUTH_TOKEN"]:
        if app.config["IVR_DEVELOPMENT"]:
            log.warning("Development mode: Twilio signatures are NOT checked, for requests from this machine only.")
        else:
            log.warning("TWILIO_AUTH_TOKEN is not set: every webhook will answer 403.")
    return app
