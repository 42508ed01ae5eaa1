"""The kinds of value a YAML settings file holds, described once: each checks a value (one line per
problem, naming its key), knows its default, renders itself as JSON Schema (for editors), and as a
row of a settings table (for the README). ivr/line_schema.py describes line.yaml with them.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .phone_numbers import E164, is_e164

NAME = re.compile(r"^[a-z][a-z0-9_]*$")   # contacts, areas, spoken numbers, links: used in prompts and URLs
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
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


def node_at(root: "Section", path: str) -> Node:
    """The schema of one key, by its path ("input.timeout_seconds", "contacts.*.screen")."""
    node: Node = root
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


def did_you_mean(word: Any, known: tuple[str, ...] | list[str]) -> str:
    """"; did you mean X?" when one of ``known`` is close to ``word``, else the ``known`` listed."""
    close = difflib.get_close_matches(str(word), known, n=1)
    return f"; did you mean {close[0]}?" if close else f" (known: {', '.join(known) or 'none'})"


def unknown_keys(raw: Any, problem: Problem, node: Node, where: str = "") -> None:
    """A misspelt key would be silently ignored, and the line would run on a default: name it."""
    if isinstance(node, Either):   # the first option of raw's shape: a mapping's section, a list's list
        shape = Section if isinstance(raw, dict) else ListOf if isinstance(raw, list) else None
        option = next((option for option in node.options if shape and isinstance(option, shape)), None)
        if option is not None:
            unknown_keys(raw, problem, option, where)
        return
    if isinstance(node, Section) and isinstance(raw, dict):
        known = tuple(node.keys)
        for key, value in raw.items():
            if key not in node.keys:
                problem(f"{where}{key}", f"is not a setting the line knows{did_you_mean(key, known)}")
            else:
                unknown_keys(value, problem, node.keys[key], f"{where}{key}.")
    elif isinstance(node, Named) and isinstance(raw, dict):
        for name, value in raw.items():
            unknown_keys(value, problem, node.value, f"{where}{name}.")
    elif isinstance(node, ListOf) and isinstance(raw, list):
        for index, item in enumerate(raw):
            unknown_keys(item, problem, node.item, f"{where.rstrip('.')}[{index}].")


def json_schema(root: "Section", title: str) -> dict:
    """``root``'s JSON Schema (draft 2020-12), for editors through the YAML language server."""
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

    collect(root)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": title, **root.json(), "$defs": dict(sorted(shared.items()))}


def settings_rows(node: "Section", where: str = "") -> list[tuple[str, str]]:
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


def settings_table(root: "Section") -> str:
    lines = ["| key | what it is |", "|---|---|"]
    for key, text in settings_rows(root):
        text = text.replace("|", "\\|")
        lines.append(f"| `{key}` | {text} |")
    return "\n".join(lines) + "\n"
