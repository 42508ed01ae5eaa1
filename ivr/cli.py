"""Operator commands, available as `flask --app ivr <command>` (see the README).

They are flask plugin commands, so they run even when line.yaml is broken:
`check` exists to say what is wrong with it.
"""
from __future__ import annotations

import csv
import datetime as dt
import logging
import os
import secrets
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click

from twilio.base.exceptions import TwilioException

from . import (config_path, create_app, fallback_asset, go_live, project_root, recordings, smoke_call, timings,
               translations, twilio_number, usage, walk)
from .config import ConfigError, is_e164
from .line import AUDIO_DIR, Line
from .simulator import AUDIO_URL, CALLER, DIAL_OUTCOMES, HANG_UP, SILENCE, WITHHELD, Caller, scripted
from .texting import EXAMPLE_MOBILE

def _line(strict: bool = True) -> Line:
    try:
        return Line.load(project_root(), config_path(), strict=strict)
    except ConfigError as error:
        for problem in error.lines():
            click.echo(f"problem: {problem}", err=True)
        sys.exit(1)


@click.command("check")
@click.option("--quick", is_flag=True, help="Only what stops the start (settings, menu, translations, "
                                            "recordings), without measuring caller time.")
@click.option("--live", is_flag=True, help="Also what stands between each language and going live: drafts, "
                                           "placeholder recordings, fuzzy or changed translations.")
def check(quick, live):
    """Check line.yaml, the menu, every translation and recording; exit 1 with one line per problem."""
    line = _line()
    if quick:
        click.echo(f"OK: {config_path()} can start")
        return
    problems = translations.check(line)
    if live:
        problems += translations.live_problems(translations.status(line, project_root() / "locales"))
        texting = line.config.texting
        if texting and EXAMPLE_MOBILE.fullmatch(texting.sender):
            problems.append(f"texting.from: {texting.sender} is an example number (Ofcom's drama range): set a "
                            "Twilio number of yours, or texts will fail")
        try:
            account = go_live.check_account(twilio_number.client_from(os.environ, twilio_http_client()), line.config)
        except twilio_number.NumberError as error:
            problems.append(f"the Twilio account was not checked (the text sender, the fallback URL): {error}")
        else:
            problems += account.problems
            for warning in account.warnings:
                click.echo(f"warning: {warning}")
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    if problems:
        sys.exit(1)
    codes = ", ".join(lang.code for lang in line.config.languages)
    click.echo(f"OK: {config_path()}, the menu and {len(line.required_prompts())} prompts in: {codes}")
    stopwatch = timings.Stopwatch()
    if stopwatch.estimated:
        click.echo("warning: espeak-ng is not installed, so caller time is not measured (apt-get install espeak-ng); "
                   "estimated:")
        for over in timings.problems(timings.report(line, stopwatch)):
            click.echo(f"warning: {over}")
    for warning in translations.sms_warnings(line):
        click.echo(f"warning: {warning}")
    texting = line.config.texting
    if texting and EXAMPLE_MOBILE.fullmatch(texting.sender):
        click.echo(f"warning: texting.from: {texting.sender} is an example number (Ofcom's drama range); "
                   "set a Twilio number of yours before going live, or texts will fail")
    for where, hours in [("office_hours", line.config.hours)] + [
            (f"areas.{area.key}.office_hours", area.routing.hours) for area in line.config.areas.values()]:
        if (hours.weekdays, hours.opens, hours.closes) != HOURS_THE_PROMPTS_SAY:
            click.echo(f"warning: {where}: differ from what callers are told (Monday to Friday, 9am to 5pm, in "
                       "content.advice_parents_carers_3, goodbye.numbers, sms.body and their .any_area twins): "
                       "change those words in prompts/en.yaml and every language")


# The office hours the shipped prompts say (content.advice_parents_carers_3, goodbye.numbers, sms.body).
HOURS_THE_PROMPTS_SAY = (frozenset(range(5)), dt.time(9), dt.time(17))


@click.group("translations")
def translations_group():
    """Keep the translations in locales/ in step with prompts/en.yaml."""


@translations_group.command("update")
def translations_update():
    """Update every catalog from prompts/en.yaml: new prompts empty, changed ones fuzzy."""
    for line in translations.update(_line(strict=False), project_root() / "locales"):
        click.echo(line)


@translations_group.command("status")
def translations_status():
    """A table per language: translated, fuzzy, missing, changed since sign-off, recordings, review."""
    line = _line(strict=False)
    click.echo(translations.status_table(translations.status(line, project_root() / "locales")))
    for problem in line.problems:
        click.echo(f"problem: {problem}")


@translations_group.command("sign-off")
@click.option("--lang", "code", required=True, help="The language code, as in line.yaml.")
@click.option("--as", "state", type=click.Choice(translations.REVIEW_STATES), required=True,
              help="draft: not yet reviewed; reviewed: checked by a qualified translator.")
@click.option("--by", required=True, help="Who signs it off (a name or a role).")
@click.option("--note", default="", help="Anything a later reader should know.")
def translations_sign_off(code, state, by, note):
    """Record the language's current translations as signed off."""
    line = _line(strict=False)
    language = line.config.language(code)
    if language is None or language not in translations.translated_languages(line.config.languages):
        raise click.BadParameter(f"{code!r} is not a translated language in line.yaml", param_hint="--lang")
    count = translations.sign_off(line, project_root() / "locales", language, state, by, note)
    click.echo(f"{code}: {count} translations signed off as {state} by {by}")


@click.group("recordings")
def recordings_group():
    """Make and check the recorded prompts in prompts/audio/."""


@recordings_group.command("make")
@click.option("--lang", "code", required=True, help="The language code, as in line.yaml.")
@click.option("--from", "human_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A folder of human recordings named <prompt id>.wav/.mp3/.flac/.ogg to convert.")
@click.option("--espeak-voice", help="The espeak-ng voice for placeholders (default: the language, e.g. ga).")
@click.option("--no-placeholders", is_flag=True, help="Convert human recordings only; make no placeholders.")
@click.option("--force", is_flag=True, help="Make every recording again, even those up to date.")
def recordings_make(code, human_dir, espeak_voice, no_placeholders, force):
    """Make missing or stale recordings: convert human ones, else make espeak-ng placeholders."""
    missing = recordings.tools_missing()
    if missing:
        raise click.ClickException(f"needs {' and '.join(missing)}: apt-get install espeak-ng sox libsox-fmt-mp3")
    line = _line(strict=False)
    language = line.config.language(code)
    if language is None:
        raise click.BadParameter(f"{code!r} is not a language in line.yaml", param_hint="--lang")
    utterances = line.utterances(language)
    wanted = {u.recording_id: line.renderer.plain(u) for u in utterances if line.catalog.has(u.prompt, code)}
    voice = None if no_placeholders else (espeak_voice or language.locale.split("_")[0])
    try:
        made = recordings.make(project_root() / AUDIO_DIR / code, wanted, voice, human_dir, force,
                               said={u.recording_id for u in utterances})
    except recordings.RecordingError as error:
        raise click.ClickException(str(error)) from None
    for line_made in made:
        click.echo(line_made)
    click.echo(f"{code}: {len(made)} recordings made, {len(wanted) - len(made)} already up to date")


@click.command("fallback-twiml")
@click.option("--number", metavar="+44…", help="The Twilio number it is the fallback of: the team then sees it "
                                              "when a caller withholds theirs.")
def fallback_twiml(number):
    """Print the static TwiML for Twilio's fallback URL (or a TwiML Bin)."""
    if number is not None and not is_e164(number):
        raise click.BadParameter(f"{number!r} is not a phone number in E.164 form, like +442890000000",
                                 param_hint="--number")
    line = _line()
    click.echo(line.transfers.fallback(line.first_language, line_number=number))


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
        app = create_app({"TWILIO_AUTH_TOKEN": secrets.token_hex(16), "IVR_RECORD_USAGE": False, "IVR_JSON_LOGS": False,
                          "TWILIO_ACCOUNT_SID": os.environ.get("TWILIO_ACCOUNT_SID") or "AC" + "0" * 32})
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    logging.getLogger().setLevel(logging.WARNING)   # the transcript is the output here
    line = app.extensions["ivr.line"]
    try:
        now = line.config.hours.parse_local(at) if at else None
    except ValueError:
        raise click.BadParameter(f'{at!r} is not a time like "2026-07-13 10:00"', param_hint="--at") from None
    if area is not None:
        if area not in line.config.areas:
            known = ", ".join(line.config.areas) or "none: line.yaml lists no areas"
            raise click.BadParameter(f"{area!r} is not an area of line.yaml (areas: {known})", param_hint="--area")
    first = []   # answers given by the options, before the script or the caller
    if code:
        language = line.config.language(code)
        if language is None:
            raise click.BadParameter(f"{code!r} is not a language in line.yaml", param_hint="--lang")
        own_number = next((n for n, c in line.config.called_numbers.items() if c == code), None)
        if not language.on_menu and own_number:
            called = own_number   # reached by its own number only
        elif line.multilingual and called not in line.config.called_numbers:
            first.append(line.config.menu_key(language))
    if slow:
        if line.multilingual and not code and called not in line.config.called_numbers:
            # 9 on the language menu would choose the ninth language, not slower speech
            raise click.BadParameter("give the language too (--lang en-GB): slower speech is asked for on the "
                                     "first menu after the language menu", param_hint="--slow")
        first.append(line.menu.every_node["slower"])
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
        on_event = _speaker(line, on_event)

    with app.test_client() as client:
        caller = Caller(client, app.config["TWILIO_AUTH_TOKEN"], called_number=called,
                        caller_number=WITHHELD if withheld else CALLER,
                        recording_text=line.recordings.words, now=now,
                        why=lambda number: line.config.why(number, now or dt.datetime.now(dt.timezone.utc), area))
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
    line = event.line()
    if line is not None:
        click.echo(line)


def _speaker(line: Line, shown):
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
            recording = found and line.recordings.get(found["language"], found["prompt"])
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


@click.command("stats")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day (default: 6 days ago).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day (default: today).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the figures to this CSV file (section, item, count).")
def stats(start, end, csv_path):
    """Print the anonymous usage figures for a range of days (default: the last 7)."""
    line = _line(strict=False)
    today = dt.datetime.now(line.config.hours.zone).date()
    end = end.date() if end else today
    start = start.date() if start else end - dt.timedelta(days=6)
    if end < start:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    store = usage.UsageStore(usage.database_url(line.config.usage_database, project_root()))
    try:
        store.create()   # a line that has had no calls yet has no table yet
        figures = usage.figures(store, start, end)
    except Exception as error:
        raise click.ClickException(f"the usage store could not be read: {type(error).__name__}") from None
    rows = figures.table()
    click.echo(f"Usage figures, {start} to {end}")
    share = f" ({100 * figures.out_of_hours // figures.calls}%)" if figures.calls else ""
    width = max(len(item) for _, item, _ in rows)
    for section, item, count in rows:
        suffix = share if (section, item) == ("calls", "out of hours") else ""
        click.echo(f"  {section:<18} {item:<{width}}  {count:>6}{suffix}")
    if csv_path:
        with csv_path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["section", "item", "count"])
            writer.writerows(rows)
        click.echo(f"written: {csv_path}")


@click.command("twilio-number")
@click.argument("number")
@click.argument("base_url")
@click.option("--apply", is_flag=True, help="Make the change; without it, only show what would change.")
@click.option("--publish-fallback", is_flag=True,
              help="Publish the fallback TwiML on Twilio's servers (a public Serverless asset of the account) and "
                   "make it the number's fallback URL, so it answers when the line's server cannot.")
@click.option("--fallback-url", metavar="URL", help="The number's fallback URL: a TwiML Bin holding "
                                                    "`flask --app ivr fallback-twiml --number NUMBER`.")
def twilio_number_command(number, base_url, apply, publish_fallback, fallback_url):
    """Point the Twilio NUMBER (+44…) at the line served at BASE_URL (https://…)."""
    if publish_fallback and fallback_url:
        raise click.BadParameter("give --publish-fallback or --fallback-url, not both", param_hint="--fallback-url")
    try:
        if not is_e164(number):
            raise twilio_number.NumberError(f"{number!r} is not a phone number in E.164 form, like +442890000000")
        wanted = twilio_number.wanted_settings(base_url, fallback_url)
        try:
            client = twilio_number.client_from(os.environ, http_client=twilio_http_client())
        except twilio_number.NumberError as error:
            if apply:
                raise
            # Without credentials the dry run cannot see the number's settings, but shows what it would set.
            click.echo(f"{number}: would be set to (current settings unknown: {error}):")
            for field, value in wanted.items():
                click.echo(f"  {field}: {value}")
            return
        method = "POST"
        if publish_fallback:
            if not apply:
                click.echo(f"would publish the fallback TwiML (for {number}) on Twilio's servers, as a public asset "
                           f"of the Serverless service {fallback_asset.SERVICE!r}, and make it the fallback URL")
            else:
                twiml = _line().transfers.fallback(_line().first_language, line_number=number)
                try:
                    fallback_url, method = fallback_asset.publish(client, twiml), "GET"   # a static file
                except fallback_asset.PublishError as error:
                    raise twilio_number.NumberError(str(error)) from None
                click.echo(f"published the fallback TwiML at {fallback_url}")
        plan = twilio_number.point(client, number, base_url, apply, fallback_url, method)
    except twilio_number.NumberError as error:
        raise click.ClickException(str(error)) from None
    for shown in plan.lines():
        if not (publish_fallback and shown == twilio_number.FALLBACK_ON_THE_LINE):
            click.echo(shown)


def twilio_http_client():
    """The HTTP client for Twilio's API: twilio's own (tests put a recording one here)."""
    return None


@click.command("timings")
@click.option("--all", "show_all", is_flag=True, help="Every place of the call, not only the longest of each kind.")
@click.option("--estimate", is_flag=True, help="Estimate from the characters, even where espeak-ng is installed.")
@click.option("--calibrate", is_flag=True, help="Print the characters a second espeak-ng speaks each language at "
                                                "(the rates the estimate uses).")
def timings_command(show_all, estimate, calibrate):
    """Seconds of audio a caller hears at each place, per language, against the budgets."""
    line = _line(strict=False)
    stopwatch = timings.Stopwatch(estimate_only=estimate)
    if calibrate:
        try:
            rates = timings.calibrate(line, stopwatch)
        except timings.AudioError as error:
            raise click.ClickException(str(error)) from None
        click.echo("CHARACTERS_PER_SECOND = {" + ", ".join(f'"{code}": {rate}' for code, rate in rates.items()) + "}")
        return
    places = timings.report(line, stopwatch)
    click.echo(timings.table(places, stopwatch))
    if show_all:
        click.echo(timings.details(places))
    over = timings.problems(places)
    for problem in over:   # an estimate is no measurement to fail on, as in `check`
        click.echo(f"{'warning' if stopwatch.estimated else 'problem'}: {problem}", err=True)
    if over and not stopwatch.estimated:
        sys.exit(1)


@click.command("walk")
@click.argument("base_url")
@click.option("--to", "called", default="+442890000000", show_default=True,
              help="The number the call is to (a language or an area may have its own).")
def walk_command(base_url, called):
    """Walk a whole signed call over HTTP against the line running at BASE_URL (after a deploy).

    Health, greeting, language, a message, 0, the team accepting on its own leg, the transfer's end:
    each request signed with TWILIO_AUTH_TOKEN for the URL it is sent to. Nothing is dialled, no
    text is sent; the line counts it as one call. Exit 1 naming the step that failed."""
    token = os.environ.get("TWILIO_AUTH_TOKEN")
    if not token:
        raise click.ClickException("set TWILIO_AUTH_TOKEN to the line's own: the walk signs each request with it")
    try:
        for step in walk.walk(base_url, token, _line(), called):
            click.echo(step.line())
    except walk.WalkFailed as failed:
        click.echo(f"FAILED {failed}", err=True)
        sys.exit(1)
    click.echo(f"OK: {base_url} answered a whole call")


@click.command("smoke-call")
@click.option("--from", "from_number", required=True, metavar="+44…",
              help="A second Twilio number of the account, that the test calls come from.")
@click.option("--to", "to_number", metavar="+44…",
              help="The line's number (default: the account's one number whose voice URL is the line's).")
@click.option("--lang", "codes", multiple=True, metavar="CODE", help="Only this language (again for more).")
@click.option("--listen", default=30, show_default=True, type=click.IntRange(15, 120),
              help="Seconds each call lasts before it hangs up.")
def smoke_call_command(from_number, to_number, codes, listen):
    """Ring the line once per language through Twilio, press its key and a message (never 0), and
    print what Twilio reported of each call: the go-live check. The calls are real and cost money."""
    line = _line()
    try:
        client = twilio_number.client_from(os.environ, http_client=twilio_http_client())
        for number, what in ((from_number, "--from"), (to_number, "--to")):
            if number is not None and not is_e164(number):
                raise click.BadParameter(f"{number!r} is not a phone number in E.164 form", param_hint=what)
        if to_number is None:
            pointing = [n.phone_number for n in client.incoming_phone_numbers.list(limit=1000)
                        if (n.voice_url or "").rstrip("/").endswith(go_live.LINE_PATH)]
            if len(pointing) != 1:
                raise click.BadParameter(f"{len(pointing)} numbers of the account point at a line: say which is this "
                                         "line's", param_hint="--to")
            to_number = pointing[0]
        languages = [line.config.language(code) for code in codes] or None
        if languages and None in languages:
            raise click.BadParameter(f"not a language of line.yaml: {', '.join(codes)}", param_hint="--lang")
        click.echo(f"Ringing {to_number} from {from_number}, {listen} s a call, one language after another ...")
        results = smoke_call.smoke(client, line, to_number, from_number, listen, languages)
    except twilio_number.NumberError as error:
        raise click.ClickException(str(error)) from None
    except TwilioException as error:
        raise click.ClickException(f"Twilio refused: {getattr(error, 'msg', error)}") from None
    for shown in smoke_call.table(results):
        click.echo(shown)
    if not all(result.ok for result in results):
        sys.exit(1)


COMMANDS = (check, call, fallback_twiml, translations_group, recordings_group, stats, twilio_number_command,
            timings_command, walk_command, smoke_call_command)


def main() -> None:
    """`python -m ivr <command>`: the same commands as `flask --app ivr <command>`, from a checkout
    that was not installed with pip (a PaaS runs the line that way)."""
    group = click.Group("ivr", help="The information line's commands (see the README).")
    for command in COMMANDS:
        group.add_command(command)
    group(prog_name="python -m ivr")
