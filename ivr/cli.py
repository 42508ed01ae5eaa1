"""Operator commands, available as `flask --app ivr <command>` (see the README).

They are flask plugin commands, so they run even when line.yaml is broken:
`check` exists to say what is wrong with it.
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets
import sys

import click

from . import config_path, create_app, project_root
from .config import ConfigError
from .line import Line
from .simulator import SILENCE, Caller, Transcript, scripted

DIAL_OUTCOMES = ("completed", "busy", "no-answer", "failed", "canceled")


@click.command("check")
def check():
    """Check line.yaml, the menu and every prompt; exit 1 with one line per problem."""
    try:
        line = Line.load(project_root(), config_path())
    except ConfigError as error:
        for problem in error.problems:
            click.echo(f"problem: {problem}", err=True)
        sys.exit(1)
    codes = ", ".join(lang.code for lang in line.config.languages)
    click.echo(f"OK: {config_path()}, the menu and {len(line.required_prompts())} prompts in: {codes}")


@click.command("fallback-twiml")
def fallback_twiml():
    """Print the static TwiML for Twilio's fallback URL (or a TwiML Bin)."""
    click.echo(Line.load(project_root(), config_path()).fallback_twiml)


@click.command("call")
@click.option("--at", "at", metavar='"YYYY-MM-DD HH:MM"',
              help="Pretend it is this local time (to see who answers then). Default: now.")
@click.option("--keys", metavar="KEYS",
              help='Press these keys in turn, "_" for silence, then hang up. Default: ask at each menu.')
@click.option("--dial", "dial_outcome", type=click.Choice(DIAL_OUTCOMES), default="completed",
              show_default=True, help="How a transfer ends.")
@click.option("--to", "called", default="+442890000000", show_default=True,
              help="The number the caller rang (a language may have its own).")
def call(at, keys, dial_outcome, called):
    """Walk a call in the terminal through the real webhooks, without a phone."""
    try:
        app = create_app({"TWILIO_AUTH_TOKEN": secrets.token_hex(16)})
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    if at is not None:
        fixed = _local_time(at, app.extensions["ivr.line"].config.hours.zone)
        app.config["IVR_CLOCK"] = lambda: fixed
    logging.getLogger().setLevel(logging.WARNING)   # the transcript is the output here
    if keys is not None:
        choose = scripted(keys)
        on_event = None
    else:
        click.echo("Press a key (0-9, * or #) and Enter at each menu; Enter alone is silence; q hangs up.")
        choose, on_event = _ask, _show
    with app.test_client() as client:
        caller = Caller(client, app.config["TWILIO_AUTH_TOKEN"], called_number=called)
        transcript = caller.run(choose, dial_outcome=dial_outcome, on_event=on_event)
    if keys is not None:
        click.echo("\n".join(transcript.lines()))


def _local_time(at: str, zone) -> dt.datetime:
    try:
        local = dt.datetime.fromisoformat(at)
    except ValueError:
        raise click.BadParameter(f'{at!r} is not a time like "2026-07-13 10:00"', param_hint="--at") from None
    return local.replace(tzinfo=zone) if local.tzinfo is None else local


def _show(event) -> None:
    for line in Transcript([event]).lines():
        click.echo(line)


def _ask(_transcript):
    answer = click.prompt("key", default="", show_default=False, prompt_suffix="> ").strip()
    if answer.lower() == "q":
        return "hangup"
    return answer or SILENCE
