"""The council's commands: `ivr <command>` (installed with pip), `python -m ivr <command>` (a
checkout), or `flask --app ivr <command>` (see the README).

Each builds what it needs itself, so they run even when line.yaml is broken: `check` exists to say
what is wrong with it.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import sys
from pathlib import Path

import click

from twilio.base.exceptions import TwilioException

from . import (checks, config_path, fallback_asset, listen, paths, project_root, recording_script,
               recordings, smoke_call, timings, translations, twilio_number, usage, walk)
from .files import ConfigError
from .line_files import AUDIO_DIR, LineFiles
from .phone_numbers import is_e164
from .render import Renderer
from .terminal_call import call


def _checked(strict: bool = True, withhold: bool = True) -> checks.Checked:
    """The line as it would start (a language not ready withheld); ``withhold`` false: every
    language as it is, for the translators' tools."""
    try:
        return checks.load(project_root(), config_path(), strict=strict, withhold=withhold)
    except ConfigError as error:
        for problem in error.lines():
            click.echo(f"problem: {problem}", err=True)
        sys.exit(1)


def _files(strict: bool = True, withhold: bool = True) -> LineFiles:
    return _checked(strict, withhold).files


def _twiml(files: LineFiles, document) -> str:
    return Renderer(files.wording, files.recordings, files.config.input.timeout_seconds,
                    files.first_language).twiml(document)


@click.command("check")
@click.option("--quick", is_flag=True, help="Only what stops the start (settings, menu, translations, "
                                            "recordings), without measuring caller time.")
@click.option("--live", is_flag=True, help="Also what stands between each language and going live: drafts, "
                                           "placeholder recordings, fuzzy or changed translations.")
def check(quick, live):
    """Check line.yaml, the menu, every translation and recording; exit 1 with one line per problem."""
    files = _files()
    if quick:
        click.echo(f"OK: {config_path()} can start")
        return
    account = checks.account_from_environment(files.config, twilio_http_client()) if live else None
    found = checks.check(files, live=live, context=checks.Context(account=account))
    if found.problems:
        for warning in found.warnings:
            click.echo(f"warning: {warning}")
        for problem in found.problems:
            click.echo(f"problem: {problem}", err=True)
        sys.exit(1)
    codes = ", ".join(lang.code for lang in files.config.languages)
    click.echo(f"OK: {config_path()}, the menu and {len(files.inventory.required_prompts())} prompts in: {codes}")
    for language in files.config.languages:
        if not language.speaks:
            click.echo(recording_script.summary(files, language))
    for warning in found.warnings:
        click.echo(f"warning: {warning}")


@click.group("translations")
def translations_group():
    """Keep the translations in locales/ in step with prompts/en.yaml."""


@translations_group.command("update")
def translations_update():
    """Update every catalog from prompts/en.yaml: new prompts empty, changed ones fuzzy."""
    for said in translations.update(_files(strict=False, withhold=False), project_root() / "locales"):
        click.echo(said)


@translations_group.command("status")
def translations_status():
    """A table per language: translated, fuzzy, missing, changed since sign-off, recordings, review."""
    checked = _checked(strict=False, withhold=False)
    click.echo(translations.status_table(translations.status(checked.files, project_root() / "locales",
                                                             checked.problems)))
    for problem in checked.problems:
        click.echo(f"problem: {problem}")


@translations_group.command("listen")
@click.argument("code")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the page and its audio (default: var/listen/<code>).")
def translations_listen(code, out_dir):
    """A page to review a language by ear: each place of the call as audio, with the text, the English and the notes."""
    files = _files(strict=False, withhold=False)
    language = files.config.language(code)
    if language is None:
        raise click.BadParameter(f"{code!r} is not a language in line.yaml", param_hint="CODE")
    missing = sorted(prompt for prompt in files.inventory.required_prompts() if not files.catalog.has(prompt, code))
    if missing:   # (a new contact's or option's sentences, say: nothing to hear there yet)
        raise click.ClickException(
            f"{code}: {len(missing)} sentence{'s' if len(missing) > 1 else ''} the line needs "
            f"{'have' if len(missing) > 1 else 'has'} no translation yet ({', '.join(missing[:3])}"
            f"{' ...' if len(missing) > 3 else ''}): run `ivr translations update`, translate them, then listen again")
    try:
        page = listen.build(files, language, out_dir or project_root() / "var" / "listen" / code)
    except recordings.RecordingError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"written: {page}")


@translations_group.command("sign-off")
@click.option("--lang", "code", required=True, help="The language code, as in line.yaml.")
@click.option("--as", "state", type=click.Choice(translations.REVIEW_STATES), required=True,
              help="draft: not yet reviewed; reviewed: checked by a qualified translator.")
@click.option("--by", required=True, help="Who signs it off (a name or a role).")
@click.option("--note", default="", help="Anything a later reader should know.")
def translations_sign_off(code, state, by, note):
    """Record the language's current translations as signed off."""
    config = _files(strict=False, withhold=False).config
    language = config.language(code)
    if language is None or language not in translations.translated_languages(config.languages):
        raise click.BadParameter(f"{code!r} is not a translated language in line.yaml", param_hint="--lang")
    count = translations.sign_off(project_root() / "locales", language, state, by, note)
    click.echo(f"{code}: {count} translations signed off as {state} by {by}")


@click.group("recordings")
def recordings_group():
    """Make and check the recorded prompts in prompts/audio/."""


@recordings_group.command("script")
@click.option("--lang", "code", required=True, help="The language code, as in line.yaml.")
def recordings_script(code):
    """The script a voice artist reads from: every file, in sittings, with its words and tone."""
    files = _files(strict=False, withhold=False)
    language = files.config.language(code)
    if language is None:
        raise click.BadParameter(f"{code!r} is not a language in line.yaml", param_hint="--lang")
    click.echo(recording_script.script(files, language))


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
    files = _files(strict=False, withhold=False)
    language = files.config.language(code)
    if language is None:
        raise click.BadParameter(f"{code!r} is not a language in line.yaml", param_hint="--lang")
    wanted = files.inventory.recordings(language)
    voice = None if no_placeholders else (espeak_voice or language.primary)
    try:
        made, refused = recordings.make(project_root() / AUDIO_DIR / code, wanted, voice, human_dir, force,
                                        slow=not language.speaks)
    except recordings.RecordingError as error:
        raise click.ClickException(str(error)) from None
    for one in made:
        click.echo(one)
    click.echo(f"{code}: {len(made)} recordings made, {len(wanted) - len(made)} already up to date")
    if refused:
        for one in refused:
            click.echo(f"refused: {one}", err=True)
        raise click.ClickException(f"{len(refused)} problem(s) with the recordings given: record those again")


@click.command("fallback-twiml")
@click.option("--number", metavar="+44…", help="The Twilio number it is the fallback of: the team then sees it "
                                              "when a caller withholds theirs.")
def fallback_twiml(number):
    """Print the static TwiML for Twilio's fallback URL (or a TwiML Bin)."""
    if number is not None and not is_e164(number):
        raise click.BadParameter(f"{number!r} is not a phone number in E.164 form, like +442890000000",
                                 param_hint="--number")
    files = _files()
    click.echo(_twiml(files, files.engine().transfers.fallback(line_number=number)))


@click.command("stats")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day (default: 6 days ago).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day (default: today).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the figures to this CSV file (section, item, count).")
def stats(start, end, csv_path):
    """Print the anonymous usage figures for a range of days (default: the last 7)."""
    config = _files(strict=False).config
    today = dt.datetime.now(config.hours.zone).date()
    end = end.date() if end else today
    start = start.date() if start else end - dt.timedelta(days=6)
    if end < start:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    store = usage.UsageStore(usage.database_url(config.usage_database, project_root()))
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
                files = _files()
                twiml = _twiml(files, files.engine().transfers.fallback(line_number=number))
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
    files = _files(strict=False)   # (the languages callers hear: one not ready is named as withheld, not timed)
    stopwatch = timings.Stopwatch(estimate_only=estimate)
    if calibrate:
        try:
            rates = timings.calibrate(files, stopwatch)
        except timings.AudioError as error:
            raise click.ClickException(str(error)) from None
        click.echo("CHARACTERS_PER_SECOND = {" + ", ".join(f'"{code}": {rate}' for code, rate in rates.items()) + "}")
        return
    places = timings.report(files, stopwatch)
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
        for step in walk.walk(base_url, token, _files(), called):
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
    files = _files()
    try:
        client = twilio_number.client_from(os.environ, http_client=twilio_http_client())
        for number, what in ((from_number, "--from"), (to_number, "--to")):
            if number is not None and not is_e164(number):
                raise click.BadParameter(f"{number!r} is not a phone number in E.164 form", param_hint=what)
        if to_number is None:
            pointing = [n.phone_number for n in client.incoming_phone_numbers.list(limit=1000)
                        if paths.reaches_line(n.voice_url)]
            if len(pointing) != 1:
                raise click.BadParameter(f"{len(pointing)} numbers of the account point at a line: say which is this "
                                         "line's", param_hint="--to")
            to_number = pointing[0]
        languages = [files.config.language(code) for code in codes] or None
        if languages and None in languages:
            raise click.BadParameter(f"not a language of line.yaml: {', '.join(codes)}", param_hint="--lang")
        click.echo(f"Ringing {to_number} from {from_number}, {listen} s a call, one language after another ...")
        results = smoke_call.smoke(client, files, to_number, from_number, listen, languages)
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


def main(prog_name: str | None = None) -> None:
    """`ivr <command>` (the script pip installs), or `python -m ivr <command>` from a checkout that
    was not installed (a PaaS runs the line that way): the same commands as `flask --app ivr <command>`."""
    group = click.Group("ivr", help="The information line's commands (see the README).")
    for command in COMMANDS:
        group.add_command(command)
    group(prog_name=prog_name)
