"""The terminal call (`ivr call`): walk a call through the real webhooks without a phone, pressing
keys or saying words at each menu, or from a script; optionally heard through espeak-ng."""
from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import shlex
import shutil
import subprocess

import click

from . import create_app
from .files import ConfigError
from .recordings import Recordings
from .simulator import AUDIO_URL, CALLER, DIAL_OUTCOMES, HANG_UP, SILENCE, WITHHELD, Caller, scripted


@click.command("call")
@click.option("--lang", "code", metavar="CODE",
              help="Choose this language (en-GB, pl, ga, ...) at the language menu by itself.")
@click.option("--at", "at", metavar='"YYYY-MM-DD HH:MM"',
              help="Pretend it is this local time (to see who answers then). Default: now.")
@click.option("--keys", metavar="KEYS",
              help='Press these keys in turn ("_" is silence), then hang up; with spaces, each word is one '
                   'answer and quoted words are said: "1 3 \'photos\' 0". Default: ask at each menu.')
@click.option("--dial", "dial_outcome", default="accepts", show_default=True, callback=lambda ctx, param, value: _outcomes(value),
              help=f"How the team's side of a transfer ends: {', '.join(DIAL_OUTCOMES)}; several, separated by "
                   "commas, for the numbers rung in turn (busy,accepts).")
@click.option("--slow", is_flag=True, help="Ask for slower speech (key 9) on the first menu after the language; "
                                           "with --lang.")
@click.option("--speak", is_flag=True, help="Also hear it, through espeak-ng in the caller's language.")
@click.option("--to", "called", default="+442890000000", show_default=True,
              help="The number the caller rang (a language or an area may have its own).")
@click.option("--area", metavar="AREA",
              help="Where the child lives (an area of line.yaml): the call comes in as if on that area's own "
                   "number, so 0 reaches that area's team and nobody is asked.")
@click.option("--withheld", is_flag=True, help="Call with a withheld number (Twilio's From is then 'anonymous').")
@click.option("--without-dial-bridged", "without_bridged", is_flag=True,
              help="Twilio leaves DialBridged out of its transfer reports (some accounts).")
def call(code, at, keys, dial_outcome, slow, speak, called, area, withheld, without_bridged):
    """Walk a call in the terminal through the real webhooks, without a phone."""
    try:
        # A simulated call sends no text (it shows it), so the text option is offered as line.yaml sets it up.
        # A translator hears their draft in context: entries whose English changed are spoken (marked below).
        app = create_app({"TWILIO_AUTH_TOKEN": secrets.token_hex(16), "IVR_RECORD_USAGE": False, "IVR_JSON_LOGS": False,
                          "TWILIO_ACCOUNT_SID": os.environ.get("TWILIO_ACCOUNT_SID") or "AC" + "0" * 32,
                          "IVR_DRAFTS": True})
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    logging.getLogger().setLevel(logging.WARNING)   # the transcript is the output here
    config, routes = app.extensions["ivr.engine"].config, app.extensions["ivr.engine"].routes
    recorded = app.extensions["ivr.files"].recordings
    catalog = app.extensions["ivr.files"].catalog
    for language in config.languages:
        if drafts := catalog.drafts(language.code):
            click.echo(f"  ~ draft: {language.code}: {len(drafts)} entr{'y' if len(drafts) == 1 else 'ies'} whose English "
                       f"changed, heard as translated (a live line withholds the language): {', '.join(sorted(drafts))}")
    try:
        now = config.hours.parse_local(at) if at else None
    except ValueError:
        raise click.BadParameter(f'{at!r} is not a time like "2026-07-13 10:00"', param_hint="--at") from None
    if area is not None:
        if area not in config.areas:
            known = ", ".join(config.areas) or "none: line.yaml lists no areas"
            raise click.BadParameter(f"{area!r} is not an area of line.yaml (areas: {known})", param_hint="--area")
    first = []   # answers given by the options, before the script or the caller
    if code:
        language = config.language(code)
        if language is None:
            raise click.BadParameter(f"{code!r} is not a language in line.yaml", param_hint="--lang")
        own_number = next((n for n, c in config.called_numbers.items() if c == code), None)
        if not language.on_menu and own_number:
            called = own_number   # reached by its own number only
        elif config.multilingual and called not in config.called_numbers:
            first.append(config.menu_key(language))
    if slow:
        if config.multilingual and not code and called not in config.called_numbers:
            # 9 on the language menu would choose the ninth language, not slower speech
            raise click.BadParameter("give the language too (--lang en-GB): slower speech is asked for on the "
                                     "first menu after the language menu", param_hint="--slow")
        first.append(app.extensions["ivr.engine"].menu.every_node["slower"])
    if keys is not None:
        try:
            choose, on_event = scripted(" ".join([*first, shlex_quote_script(keys)]) if first else keys), None
        except ValueError as error:   # an unbalanced quote: "1 0 'I don't know'"
            raise click.BadParameter(f"{error}: quote words to say with the other kind of quote "
                                     "(\"1 0 \\\"I don't know\\\"\")", param_hint="--keys") from None
    else:
        click.echo("At each menu type a key (0-9, * or #) or words to say, then Enter; Enter alone is "
                   "silence; q hangs up.")
        choose, on_event = _ask_after(first), _show
    if speak:
        on_event = _speaker(recorded, on_event)

    with app.test_client() as client:
        caller = Caller(client, app.config["TWILIO_AUTH_TOKEN"], called_number=called,
                        caller_number=WITHHELD if withheld else CALLER,
                        recording_text=recorded.words, now=now,
                        why=lambda number: routes.why(number, now or dt.datetime.now(dt.timezone.utc), area))
        caller.area = area
        transcript = caller.run(choose, dial_outcome=dial_outcome, on_event=on_event, dial_bridged=not without_bridged)
    if keys is not None and not speak:
        click.echo("\n".join(transcript.lines()))


def _outcomes(value: str) -> str:
    for outcome in value.split(","):
        if outcome not in DIAL_OUTCOMES:
            raise click.BadParameter(f"{outcome!r} is not one of {', '.join(DIAL_OUTCOMES)}", param_hint="--dial")
    return value


def shlex_quote_script(keys: str) -> str:
    """A script of single keys ("12#") as words ("1 2 #"), to follow the options' answers."""
    if any(c.isspace() or c in "'\"" for c in keys):
        return keys
    return " ".join(shlex.quote(key) for key in keys)


def _show(event) -> None:
    said = event.line()
    if said is not None:
        click.echo(said)


def _speaker(recordings: Recordings, shown):
    """Shows each event, and speaks it: espeak-ng for words, sox's `play` for recordings."""
    if shutil.which("espeak-ng") is None:
        click.echo("(--speak needs espeak-ng: apt-get install espeak-ng; showing the words only)", err=True)
        return shown or _show
    silent = no_audio_output()
    if silent:
        click.echo(f"(--speak: {silent}; showing the words only)", err=True)
        return shown or _show

    def speak(event) -> None:
        (shown or _show)(event)
        if event.kind == "say":
            voice = event.language.split("-")[0].lower()
            subprocess.run(["espeak-ng", "-v", voice, "-s", "120" if event.slow else "160", event.text],
                           capture_output=True)
        elif event.kind == "play" and shutil.which("play"):
            found = AUDIO_URL.search(event.url)
            recording = found and recordings.get(found["language"], found["prompt"])
            if recording:
                subprocess.run(["play", "-q", str(recording.path)], capture_output=True)
    return speak


def no_audio_output() -> str | None:
    """Why nothing could be heard here (no sound device, as on a server), or None."""
    probe = (["play", "-q", "-n", "trim", "0", "0.01"] if shutil.which("play")
             else ["espeak-ng", "-a", "0", "."])
    result = subprocess.run(probe, capture_output=True, text=True, timeout=10)
    trouble = result.stderr.lower()
    if result.returncode != 0 or "no default audio device" in trouble or "unknown pcm" in trouble:
        return "this machine has no audio output (no sound device)"
    return None


def _ask_after(first: list[str]):
    pending = list(first)

    def choose(transcript):
        return pending.pop(0) if pending else _ask(transcript)
    return choose


def _ask(_transcript):
    try:
        answer = click.prompt("key", default="", show_default=False, prompt_suffix="> ").strip()
    except click.Abort:   # the end of the input (Ctrl-D, or a script that ran out): a hang-up
        click.echo()
        return HANG_UP
    if answer.lower() == "q":
        return HANG_UP
    return answer or SILENCE
