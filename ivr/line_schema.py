"""The one schema of line.yaml: every key, what it holds, its range and its default.

From it come the reader's checks of each value (ivr/config_reader.py: one line per problem,
naming the key), the defaults, the unknown-key check with its "did you mean", the JSON Schema
editors use (line.schema.json: `# yaml-language-server: $schema=line.schema.json` on line.yaml's
first line gives completion and checks while typing) and the README's table of every setting.
`python -m ivr.line_schema --write` makes those two files again; a test fails while either differs.

Rules between keys (a routing that names a contact, a spoken number that matches the dialled
one) are not the schema's: the reader holds them.
"""
from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .phone_numbers import E164, is_e164
from .routing import NAMED_HOURS

NAME = re.compile(r"^[a-z][a-z0-9_]*$")   # contacts, areas, spoken numbers, links: used in prompts and URLs
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How long a number rings, as the caller hears it: Twilio is asked for 5 s less, which it adds back,
# and accepts no <Dial timeout> under 5 s (ivr/render.py, TWILIO_ADDS_SECONDS).
RING_SECONDS = (10, 120)
Problem = Callable[[str, str], None]   # (key, what is wrong with it)
MISSING = object()   # a key left out (its default applies), unlike one given as null (a mistake)


@dataclass(frozen=True)
class Node:
    help: str = ""
    default: Any = None      # what the line uses when the key is left out
    required: bool = False
    nullable: bool = False   # null is a meaningful value (not just "left out")

    def json(self) -> dict:
        schema = self._json()
        if self.help:
            schema["description"] = self.help
        if self.default is not None:
            schema["default"] = self.default
        if self.nullable:
            schema = {"anyOf": [schema, {"type": "null"}]}
        return schema

    def _json(self) -> dict:
        return {}

    def shown_default(self) -> str:
        return "" if self.default is None else f"default {self.default}"


# -- values -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text(Node):
    def _json(self) -> dict:
        return {"type": "string"}


@dataclass(frozen=True)
class Integer(Node):
    low: int = 0
    high: int = 0

    def read(self, value: Any, key: str, problem: Problem, default: int | None = None) -> int:
        default = self.default if default is None else default
        if value is MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
            problem(key, f"must be a whole number from {self.low} to {self.high}, not {value!r}")
            return default
        return value

    def _json(self) -> dict:
        return {"type": "integer", "minimum": self.low, "maximum": self.high}

    def shown_default(self) -> str:
        return f"{self.low} to {self.high}" + (f", default {self.default}" if self.default is not None else "")


@dataclass(frozen=True)
class Number(Node):
    low: float = 0
    high: float = 0
    unit: str = ""

    def read(self, value: Any, key: str, problem: Problem) -> float:
        if value is MISSING:
            return float(self.default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not self.low <= value <= self.high:
            problem(key, f"must be a number of {self.unit} from {self.low:g} to {self.high:g}, not {value!r}")
            return float(self.default)
        return float(value)

    def _json(self) -> dict:
        return {"type": "number", "minimum": self.low, "maximum": self.high}

    def shown_default(self) -> str:
        return f"{self.low:g} to {self.high:g} {self.unit}, default {self.default:g}"


@dataclass(frozen=True)
class Boolean(Node):
    meaning: str = ""   # said after "true" in the message: " (whoever answers presses 1 first)"

    def read(self, value: Any, key: str, problem: Problem) -> bool:
        if value is MISSING:
            return self.default
        if not isinstance(value, bool):
            problem(key, f"{value!r} must be true{self.meaning} or false")
            return self.default
        return value

    def _json(self) -> dict:
        return {"type": "boolean"}

    def shown_default(self) -> str:
        return f"default {str(self.default).lower()}"


@dataclass(frozen=True)
class Choice(Node):
    values: tuple[str, ...] = ()

    def read(self, value: Any, key: str, problem: Problem) -> str:
        if value is MISSING:
            return self.default
        if value not in self.values:
            problem(key, f"{value!r} must be one of: {', '.join(self.values)}")
            return self.default
        return value

    def _json(self) -> dict:
        return {"enum": list(self.values)}

    def shown_default(self) -> str:
        return " or ".join(self.values) + (f", default {self.default}" if self.default else "")


@dataclass(frozen=True)
class Phone(Node):
    """A phone number in E.164 form, in quotes."""

    def read(self, value: Any, key: str, problem: Problem) -> str:
        if not is_e164(value):
            problem(key, f"{value!r} is not a phone number in E.164 form (like \"+443001234333\", in quotes)")
            return ""
        return value

    def _json(self) -> dict:
        return {"type": "string", "pattern": f"^{E164.pattern}$"}


@dataclass(frozen=True)
class Digits(Node):
    """A number as published: digits in groups separated by single spaces."""

    def _json(self) -> dict:
        return {"type": "string", "pattern": r"^[0-9]+( [0-9]+)*$"}


@dataclass(frozen=True)
class WebAddress(Node):
    def _json(self) -> dict:
        return {"type": "string", "pattern": r"^https://[^ ]+$"}


@dataclass(frozen=True)
class ClockTime(Node):
    """A time of day, "09:00", in quotes (YAML 1.1 reads an unquoted 17:00 as a number)."""

    def read(self, value: Any, key: str, problem: Problem) -> dt.time | None:
        value = self.default if value is MISSING else value
        if isinstance(value, str):
            try:
                return dt.time.fromisoformat(value)
            except ValueError:
                pass
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            # YAML 1.1 reads an unquoted 17:00 as minutes (1020)
            problem(key, f"{value} is {value // 60:02d}:{value % 60:02d} read as a number: write the time "
                         f"in quotes, like \"{value // 60:02d}:{value % 60:02d}\"")
            return None
        problem(key, f"{value!r} is not a time like \"09:00\" (write it in quotes)")
        return None

    def _json(self) -> dict:
        return {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$"}


@dataclass(frozen=True)
class Moment(Node):
    """A date, or a date and time, in the line's zone."""

    def read(self, value: Any, key: str, problem: Problem, zone: ZoneInfo) -> dt.datetime:
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, dt.date):
            moment = dt.datetime.combine(value, dt.time(0))
        else:
            try:
                moment = dt.datetime.fromisoformat(str(value))
            except ValueError:
                problem(key, f"{value!r} is not a date or date and time like \"2026-12-24 13:00\"")
                return dt.datetime(1970, 1, 1, tzinfo=zone)
        return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)

    def _json(self) -> dict:
        return {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$"}


@dataclass(frozen=True)
class Zone(Node):
    def read(self, value: Any, key: str, problem: Problem) -> ZoneInfo:
        if value is None:
            problem(key, "is missing (for Northern Ireland: Europe/London)")
            return ZoneInfo("UTC")
        try:
            return ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            problem(key, f"{value!r} is not a known time zone (for Northern Ireland: Europe/London)")
            return ZoneInfo("UTC")

    def _json(self) -> dict:
        return {"type": "string"}


@dataclass(frozen=True)
class Weekday(Node):
    def _json(self) -> dict:
        names = [day.capitalize() for day in WEEKDAYS]
        return {"type": "string", "pattern": "^(?i:" + "|".join(day + "[a-z]*" for day in WEEKDAYS) + ")$",
                "examples": names}


# -- structure ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Section(Node):
    """A mapping of the keys the line knows (each its own node): any other key is a mistake."""
    keys: Mapping[str, Node] = field(default_factory=dict)
    name: str = ""   # shared in the JSON Schema under this name ($defs)
    listed: bool = True   # its keys have rows of their own in the README's table

    def _json(self) -> dict:
        return {"type": "object", "properties": {key: node.json() for key, node in self.keys.items()},
                "required": [key for key, node in self.keys.items() if node.required],
                "additionalProperties": False}

    def json(self) -> dict:
        if self.name:
            return {"$ref": f"#/$defs/{self.name}", **({"description": self.help} if self.help else {})}
        return super().json()


@dataclass(frozen=True)
class Named(Node):
    """A mapping of names chosen in line.yaml (contacts, areas ...) to values of one kind."""
    value: Node = field(default_factory=Node)
    names: str = NAME.pattern   # what a name may be (JSON Schema pattern)
    label: str = "<name>"       # how the README's table shows a name

    def _json(self) -> dict:
        return {"type": "object", "propertyNames": {"pattern": self.names}, "additionalProperties": self.value.json()}


@dataclass(frozen=True)
class ListOf(Node):
    item: Node = field(default_factory=Node)

    def _json(self) -> dict:
        return {"type": "array", "items": self.item.json()}


@dataclass(frozen=True)
class Either(Node):
    """One of several kinds: a name, or a mapping, say."""
    options: tuple[Node, ...] = ()

    def _json(self) -> dict:
        return {"anyOf": [option.json() for option in self.options]}


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
        "hours": Either(options=(Choice(values=NAMED_HOURS), OFFICE_HOURS),
                        help="its own opening hours: any time, office hours, outside office hours, or days and "
                             "times of its own; left out: whenever the routing sends callers there"),
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
    """The schema of one key, by its path ("input.timeout_seconds", "contacts.*.screen")."""
    node: Node = LINE
    for part in path.split("."):
        if isinstance(node, Named):
            node = node.value
        elif isinstance(node, ListOf):
            node = node.item
        if isinstance(node, Either):
            node = next(option for option in node.options if isinstance(option, Section))
        if part != "*":
            node = node.keys[part]
    return node


def unknown_keys(raw: Any, problem: Problem, node: Node = LINE, where: str = "") -> None:
    """A misspelt key would be silently ignored, and the line would run on a default: name it."""
    if isinstance(node, Either):
        sections = [option for option in node.options if isinstance(option, Section)]
        if sections and isinstance(raw, dict):
            unknown_keys(raw, problem, sections[0], where)
        return
    if isinstance(node, Section) and isinstance(raw, dict):
        known = tuple(node.keys)
        for key, value in raw.items():
            if key not in node.keys:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f"; did you mean {close[0]}?" if close else f" (known: {', '.join(known)})"
                problem(f"{where}{key}", f"is not a setting the line knows{hint}")
            else:
                unknown_keys(value, problem, node.keys[key], f"{where}{key}.")
    elif isinstance(node, Named) and isinstance(raw, dict):
        for name, value in raw.items():
            unknown_keys(value, problem, node.value, f"{where}{name}.")
    elif isinstance(node, ListOf) and isinstance(raw, list):
        for index, item in enumerate(raw):
            unknown_keys(item, problem, node.item, f"{where.rstrip('.')}[{index}].")


def json_schema() -> dict:
    """line.yaml's JSON Schema (draft 2020-12), for editors through the YAML language server."""
    shared: dict[str, dict] = {}

    def collect(node: Node) -> None:
        if isinstance(node, Section):
            if node.name and node.name not in shared:
                shared[node.name] = Section(help=node.help, keys=node.keys).json()
            for child in node.keys.values():
                collect(child)
        for child in (getattr(node, "value", None), getattr(node, "item", None), *getattr(node, "options", ())):
            if isinstance(child, Node):
                collect(child)

    collect(LINE)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "line.schema.json", "title": "line.yaml of the CSE information line",
            **LINE.json(), "$defs": dict(sorted(shared.items()))}


def settings_rows(node: Section = LINE, where: str = "") -> list[tuple[str, str]]:
    """(key, what it is) for every setting, in the schema's order: the README's table."""
    rows = []
    for key, child in node.keys.items():
        path, inner = f"{where}{key}", child
        if isinstance(inner, Named):
            path, inner = f"{path}.{inner.label}", inner.value
        elif isinstance(inner, ListOf):
            path, inner = f"{path}[]", inner.item
        extra = "" if isinstance(child, (Section, Named, ListOf, Either)) else child.shown_default()
        rows.append((path, (child.help or inner.help) + (f" ({extra})" if extra else "")))
        if isinstance(inner, Section) and inner.listed:
            rows += settings_rows(inner, f"{path}.")
    return rows


def settings_table() -> str:
    lines = ["| key | what it is |", "|---|---|"]
    for key, text in settings_rows():
        text = text.replace("|", "\\|")
        lines.append(f"| `{key}` | {text} |")
    return "\n".join(lines) + "\n"


README_START = "<!-- every setting: made from ivr/line_schema.py by `python -m ivr.line_schema --write` -->\n"
README_END = "<!-- end of every setting -->\n"


def readme_with_table(readme: str) -> str:
    start, end = readme.index(README_START) + len(README_START), readme.index(README_END)
    return readme[:start] + settings_table() + readme[end:]


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    if argv != ["--write"]:
        print("python -m ivr.line_schema --write: make line.schema.json and the README's table of every setting")
        return 2
    (root / "line.schema.json").write_text(schema_text(), encoding="utf-8")
    readme = root / "README.md"
    readme.write_text(readme_with_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
    print("written: line.schema.json, README.md (Every setting)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
