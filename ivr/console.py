"""The browser console: see where calls go now, and walk a call without a phone.

On in development mode; in production only when IVR_CONSOLE_PASSWORD is set,
behind HTTP basic auth over HTTPS; otherwise it does not exist (404). It needs
no Twilio signature and never places a real call or sends a real text: the
simulator drives the real webhooks in-process, marked as a simulation.
"""
from __future__ import annotations

import datetime as dt
import functools
import secrets

from babel import Locale, UnknownLocaleError

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request

from . import metrics, paths, translations, twilio_alerts, usage
from .access import council_only
from .routing import NOT_SURE
from .simulator import AUDIO_URL, DIAL_OUTCOMES, HANG_UP, Caller, Step, Wait
from .webhook import engine, now

bp = Blueprint("console", __name__, url_prefix="/console")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


bp.before_request(council_only)


@functools.lru_cache(maxsize=64)
def described(code: str) -> tuple[str, str, str]:
    """A language's name in English and in itself, and its direction, from CLDR through Babel:
    loaded here, for the console only, never per call. ``code``: en-GB, pl, ar-XA…"""
    for candidate in (code.replace("-", "_"), code.split("-")[0]):
        try:
            locale = Locale.parse(candidate)
        except (ValueError, UnknownLocaleError):
            continue
        return locale.get_display_name("en"), locale.get_display_name(locale), locale.text_direction
    return code, code, "ltr"


@bp.app_template_filter("language_name")
def language_name(code: str) -> str:
    english, own, _ = described(code)
    return english if own == english else f"{english}, {own}"


@bp.get("/")
def status():
    config, routes, moment = engine().config, engine().routes, now()
    hours = config.hours
    languages = translations.status(current_app.extensions["ivr.files"], current_app.config["IVR_ROOT"] / "locales")
    figures = today = None
    store = current_app.extensions["ivr.usage"].store
    if store is not None:
        day = hours.local(moment).date()
        try:
            figures = usage.daily_figures(store, day - dt.timedelta(days=6), day)
            today = usage.daily_figures(store, day, day).answered()
        except Exception:   # figures are a nicety here; the page works without them
            figures = None
    return render_template(
        "console/status.html", moment=hours.local(moment), contact=routes.answering(None, moment),
        reason=routes.reason(moment), areas=routes.now_in_each_area(moment), contacts=_contacts(),
        next_change=hours.next_change(moment), next_holiday=hours.next_bank_holiday(moment),
        closures=[c for c in hours.closures if c.end > moment], languages=languages, figures=figures,
        withheld=current_app.extensions["ivr.files"].withheld,
        answered_today=today, config=config, routes=routes,
        alerts=[{**row, "last": dt.datetime.fromtimestamp(row["last"], hours.zone) if row["last"] else None}
                for row in twilio_alerts.seen(metrics.registry())],
        days=", ".join(day for index, day in enumerate(DAYS) if index in hours.weekdays), own_hours=_own_hours(moment))


def _own_hours(moment: dt.datetime) -> list[tuple[str, str, str]]:
    """Each contact with hours of its own, once: its name, its hours in words, and whether it is open
    now (in which areas, where that differs: an area's office hours may be its own)."""
    found: dict[str, tuple[str, dict[bool, list[str]]]] = {}
    for area, contact in engine().routes.contacts():
        if contact.hours is not None:
            words, areas = found.setdefault(contact.name, (_in_words(contact.hours), {}))
            areas.setdefault(area.routing.is_open(contact, moment), []).append(area.name or NOT_SURE.lower())
    return [(name, words, _open_where(areas)) for name, (words, areas) in found.items()]


def _open_where(areas: dict[bool, list[str]]) -> str:
    """"open" or "closed"; where the areas differ, which are which."""
    said = {True: "open", False: "closed"}
    if len(areas) == 1:
        return said[next(iter(areas))]
    return "; ".join(f"{said[is_open]} in {', '.join(areas[is_open])}" for is_open in (True, False))


def _in_words(hours) -> str:
    """A contact's own hours, as line.yaml gives them: a name of the office's hours, or days and times."""
    if isinstance(hours, str):   # any time, office hours, outside office hours
        return hours
    periods = hours if isinstance(hours, tuple) else (hours,)
    said = "; ".join(f"{', '.join(DAYS[day][:3] for day in sorted(period.weekdays))} "
                     f"{period.opens:%H:%M} to {period.closes:%H:%M}" for period in periods)
    return said + (", not on bank holidays" if any(period.bank_holidays is not None for period in periods) else "")


def _contacts() -> list[tuple[str, str]]:
    """Every contact a transfer can go to, as (the figures' label, its name), each once."""
    found = {}
    for area, contact in engine().routes.contacts():
        label = engine().transfers.label(contact, area.key)
        shown = contact.name if "/" not in label or area.name in contact.name else f"{contact.name}, from {area.name}"
        found.setdefault(label, shown)
    return list(found.items())


@bp.get("/simulator")
def simulator():
    config = engine().config
    local = config.hours.local(now())
    catalog = current_app.extensions["ivr.files"].catalog
    return render_template("console/simulator.html", languages=config.menu_languages,
                           keys={language.code: config.menu_key(language) for language in config.menu_languages},
                           # heard as drafts (development): their English changed since they were translated
                           drafts={language.code: len(catalog.drafts(language.code)) for language in config.languages},
                           at=local.strftime("%Y-%m-%dT%H:%M"), outcomes=DIAL_OUTCOMES,
                           areas=config.areas if config.several_areas else {}, asks_area=engine().routes.asks_area)


@bp.post("/api/start")
def start():
    """Ring the line: the greeting and the first menu."""
    body = _json()
    call = {"sid": "CA" + secrets.token_hex(16), "at": body.get("at") or ""}
    if body.get("area") in engine().config.areas:   # as if on that area's own number
        call["area"] = body["area"]
    return _answer(call, paths.CALL, {})


@bp.post("/api/step")
def step():
    """The caller's next move: a key, words, silence, or how a transfer ended."""
    body = _json()
    call, wait = body.get("call") or {}, body.get("wait") or {}
    choice, outcome = body.get("choice"), body.get("outcome")
    if wait.get("kind") == "dial":
        if outcome not in DIAL_OUTCOMES:
            abort(400)
        dial = Wait("dial", wait.get("action"), number=str(wait.get("number") or ""),
                    screen=wait.get("screen") if str(wait.get("screen") or "").startswith(paths.CALL + "/") else None)
        reported: dict[str, str] = {}

        def team(caller: Caller) -> list:
            leg = caller.team_leg(dial, outcome)   # how the team's leg went decides what Twilio reports
            reported.update(Caller.dial_result(dial, leg.outcome, leg.sid))
            return leg.events
        return _answer(call, dial.action, reported, before=team)
    if choice == HANG_UP:
        return jsonify(call=call, events=[], wait={"kind": "end", "why": "the caller hangs up"})
    gather = Wait("gather", wait.get("action"), wait.get("on_silence"), bool(wait.get("speech")))
    _, url, params = Caller.answer(gather, None if choice is None else str(choice)[:200])
    if not url or not str(url).startswith(paths.CALL):
        return jsonify(call=call, events=[], wait={"kind": "end", "why": "nothing follows, so the call ends"})
    return _answer(call, url, params)


def _json() -> dict:
    # JSON only: a cross-site form cannot send it, so basic auth cannot be borrowed by another page.
    if not request.is_json:
        abort(415)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):   # not JSON, or JSON that is not an object: the client's mistake
        abort(400)
    for name in ("call", "wait"):
        if not isinstance(body.get(name, {}), dict):
            abort(400)
    return body


def _answer(call: dict, url: str, params: dict, before=None) -> Response:
    config, routes = engine().config, engine().routes
    try:
        moment = config.hours.parse_local(call["at"]) if call.get("at") else None
    except (ValueError, TypeError):
        abort(400)
    caller = Caller(current_app.test_client(), current_app.config.get("TWILIO_AUTH_TOKEN"),
                    recording_text=current_app.extensions["ivr.files"].recordings.words, now=moment,
                    why=lambda number: routes.why(number, moment or now()))
    caller.call_params["CallSid"] = call.get("sid") or caller.call_params["CallSid"]
    caller.area = call.get("area") if call.get("area") in config.areas else None
    earlier = before(caller) if before else []
    result: Step = caller.step(url, params)
    events = []
    for event in earlier + result.events:
        shown = {"kind": event.kind, "text": event.text, "language": event.language, "slow": event.slow,
                 "dir": described(event.language)[2] if event.kind in ("say", "play") and event.language else "ltr"}
        if event.kind == "play" and (found := AUDIO_URL.search(event.url)):
            shown["audio"] = f"/audio/{found['language']}/{found['prompt']}.wav"
        if event.kind == "dial":
            number, _, why = event.text.partition(" (")
            shown["team"] = _team(number)
            shown["why"] = why.rstrip(")")
        events.append(shown)
    return jsonify(call=call, events=events, wait=vars(result.wait))


def _team(number: str) -> str:
    contact = next((c for _, c in engine().routes.contacts() if number in (n.number for n in c.numbers)), None)
    return f"{contact.name} ({contact.spoken})" if contact else number
