"""The one schema of line.yaml: every key, what it holds, its range and its default.

From it come the reader's checks of each value (ivr/config_reader.py: one line per problem,
naming the key), the defaults, the unknown-key check with its "did you mean", the JSON Schema
editors use (line.schema.json: `# yaml-language-server: $schema=line.schema.json` on line.yaml's
first line gives completion and checks while typing) and the README's table of every setting.
`make schema` makes those two files again; a test fails while either differs.

Rules between keys (a routing that names a contact, a spoken number that matches the dialled
one) are not the schema's: the reader holds them.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import schema
from .phone_numbers import E164
from .routing import NAMED_HOURS
from .schema import (Boolean, Choice, ClockTime, Digits, Either, Integer, ListOf, Moment, Named, Node, Number, Phone,
                     Section, Text, WebAddress, Weekday, Zone)

# How long a number rings, as the caller hears it: Twilio is asked for 5 s less, which it adds back,
# and accepts no <Dial timeout> under 5 s (ivr/render.py, TWILIO_ADDS_SECONDS).
RING_SECONDS = (10, 120)


# -- line.yaml ------------------------------------------------------------------------------
OFFICE_HOURS = Section(
    name="office_hours",
    help="when the office is open: days, open and close times, bank holidays and closures",
    keys={
        "days": ListOf(item=Weekday(), default=["Mon", "Tue", "Wed", "Thu", "Fri"],
                       help="the days it opens, like [Mon, Tue, Wed, Thu, Fri]"),
        "open": ClockTime(default="09:00", help="open from this minute (in quotes)"),
        "close": ClockTime(default="17:00", help="until just before this one (in quotes)"),
        "bank_holidays": Section(
            nullable=True, default={"country": "GB", "subdivision": "NIR"},
            help="closed on these bank holidays (the `holidays` package, substitute days included); null: none",
            keys={"country": Text(help="GB for the UK"), "subdivision": Text(help="NIR for Northern Ireland")}),
        "closures": ListOf(item=Either(options=(Moment(), Section(keys={"from": Moment(), "to": Moment()}))), default=[],
                           help='extra closures: a date closes the whole day; {from: "2026-12-31 13:00", to: ...} a range'),
    })
CONTACT = Section(
    name="contact",
    help="someone the line can put a caller through to",
    keys={
        "name": Text(help="shown to the people running the line (callers hear prompts instead)"),
        "number": Phone(help="the number to dial, E.164 in quotes (or numbers)"),
        "numbers": ListOf(item=Section(keys={
            "number": Phone(required=True, help="E.164, in quotes"),
            "ring_seconds": Integer(low=RING_SECONDS[0], high=RING_SECONDS[1],
                                    help="how long it rings as the caller hears it; default transfer.timeout_seconds"),
        }), help="numbers tried in order, each {number, ring_seconds} (or number)"),
        "spoken": Digits(required=True, help="the (first) number as published, said in these digit groups"),
        "screen": Boolean(default=True, meaning=" (whoever answers presses 1 first)",
                          help="whoever answers must press 1 to take the call, so no voicemail takes a caller"),
        "hours": Either(options=(Choice(values=NAMED_HOURS), OFFICE_HOURS, ListOf(item=OFFICE_HOURS)),
                        help="its own opening hours: any time, office hours, outside office hours, or days and "
                             "times of its own (a list: several periods, open while any is); left out: whenever "
                             "the routing sends callers there"),
    })
LANGUAGE = Section(
    name="language",
    keys={
        "code": Text(required=True, help="BCP 47 code of the language (en-GB, pl ...)"),
        "voice": Text(nullable=True, help="the Twilio `<Say>` voice; null: recordings only"),
        "say_language": Text(nullable=True, help="the language code Twilio expects for that voice"),
        "speech": Text(nullable=True, help="the language Twilio hears spoken choices in; null: keypad only"),
        "menu": Boolean(default=True, help="false keeps it off the language menu (it needs its own number then)"),
    })
AREA = Section(
    name="area",
    keys={
        "name": Text(help="shown to the people running the line"),
        "contacts": Named(value=Section(keys=CONTACT.keys, name="contact", listed=False),
                          help="the area's own contacts, as under contacts, in place of the line's of the same name"),
        "office_hours": Section(keys=OFFICE_HOURS.keys, listed=False,
                                help="the area's own office_hours settings, in place of the line's, key by key"),
    })
ROUTING_CONTACT = "a contact's name"
LINE = Section(
    help="The settings of the CSE information line (see the README, 'Every setting').",
    keys={
        "timezone": Zone(required=True, help="the zone office hours are kept in: Europe/London"),
        "languages": ListOf(item=LANGUAGE, required=True, help="in menu order: key 1 is the first"),
        "called_numbers": Named(
            names=f"^{E164.pattern}$", default={}, label="<number>",
            value=Either(options=(Text(help="a language code"),
                                  Section(keys={"language": Text(), "area": Text()}))),
            help="a number of the line's own (Twilio's To) that chooses a language (pl), an area ({area: belfast}) "
                 "or both"),
        "area": Text(nullable=True, help="the area of calls to any other number, or null to ask callers "
                                         "(a regional number)"),
        "contacts": Named(value=CONTACT, help="who can be dialled; the line dials no other number"),
        "areas": Named(value=AREA, help="the areas the line serves (Northern Ireland's five Trusts), each with "
                                        "its own contacts and, optionally, office_hours"),
        "spoken_numbers": Named(value=Digits(), default={}, help="numbers said but never dialled, as {name} in prompts"),
        "routing": Section(keys={
            "in_hours": Text(help=f"{ROUTING_CONTACT}: who answers while the office is open"),
            "out_of_hours": Text(help=f"{ROUTING_CONTACT}: who answers while it is closed, and for urgent calls"),
            "not_sure": Text(help=f"{ROUTING_CONTACT}: on a regional number in office hours, a caller who does not "
                                  "know the child's area"),
            "override": Text(nullable=True, help=f"{ROUTING_CONTACT} that takes every call whatever the time; "
                                                 "null: off"),
        }, help="who answers \"speak to someone\""),
        "office_hours": OFFICE_HOURS,
        "texting": Section(keys={
            "from": Phone(help="your Twilio number that sends the texts; without it, texts are not offered"),
            "timeout_seconds": Number(low=1, high=10, unit="seconds", default=4,
                                      help="a text not sent by then is reported as failed"),
            "links": Named(value=WebAddress(), default={}, help="trusted websites in the text, as {link_<name>}"),
        }, help="\"send me these numbers by text\""),
        "usage": Section(keys={
            "database": Text(default="var/usage.sqlite3",
                             help="the SQLite file of the usage figures when DATABASE_URL is not set"),
        }, help="the anonymous usage figures"),
        "input": Section(keys={
            "timeout_seconds": Integer(low=3, high=60, default=8,
                                       help="how long the line waits for a key (30 or more suits text relay users)"),
            "max_silences": Integer(low=1, high=10, default=3, help="silences on one menu before the caller is helped on"),
            "max_wrong_keys": Integer(low=1, high=10, default=3,
                                      help="wrong keys on one menu before the caller is helped on"),
            "after_limit": Choice(values=("transfer", "goodbye"), default="transfer",
                                  help="then: put through to a person, or say both numbers and end"),
        }, help="how the line listens"),
        "transfer": Section(keys={
            "timeout_seconds": Integer(low=RING_SECONDS[0], high=RING_SECONDS[1], default=30,
                                       help="how long a transfer rings, as the caller hears it"),
            "screen_seconds": Integer(low=3, high=60, default=10,
                                      help="how long the person answering has to press 1"),
            "caller_id": Phone(nullable=True, help="null: the team sees the caller's number; or a Twilio number of "
                                                   "yours, shown instead"),
        }, help="putting a caller through"),
    })


def node_at(path: str) -> Node:
    """The schema of one key of line.yaml, by its path ("input.timeout_seconds", "contacts.*.screen")."""
    return schema.node_at(LINE, path)


def unknown_keys(raw: Any, problem: schema.Problem) -> None:
    schema.unknown_keys(raw, problem, LINE)


def settings_table() -> str:
    return schema.settings_table(LINE)


README_START = "<!-- every setting: made from ivr/line_schema.py by `make schema` -->\n"
README_END = "<!-- end of every setting -->\n"


def readme_with_table(readme: str) -> str:
    start, end = readme.index(README_START) + len(README_START), readme.index(README_END)
    return readme[:start] + settings_table() + readme[end:]


def schema_text() -> str:
    found = {"$id": "line.schema.json", **schema.json_schema(LINE, "line.yaml of the CSE information line")}
    return json.dumps(found, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    if argv != ["--write"]:
        print("make schema: make line.schema.json and the README's table of every setting again")
        return 2
    (root / "line.schema.json").write_text(schema_text(), encoding="utf-8")
    readme = root / "README.md"
    readme.write_text(readme_with_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
    print("written: line.schema.json, README.md (Every setting)")
    return 0
