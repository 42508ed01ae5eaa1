"""Where a caller is in the call. All of it travels in the URL, nothing is stored.

Anything in a request is untrusted: ``CallState.parse`` keeps only values the
line knows and puts sensible defaults in place of the rest.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Collection, Mapping
from urllib.parse import urlencode


MAX_PLACE = 1000   # steps a call may have in the figures; a larger one in a URL is forged
# The places of a call the engine makes itself, beside menu.yaml's nodes (which may not take these names).
LANGUAGE_MENU = "language"           # when the line has several languages
TRANSFER_FAILED = "transfer_failed"  # after an unanswered transfer: what the caller can do next
RESERVED = (LANGUAGE_MENU, TRANSFER_FAILED)


def whole_number(text: str | None, below: int) -> int | None:
    """``text`` as a whole number under ``below`` if it is written in at most nine ASCII digits, else
    None (str.isdigit alone accepts "²", which int() refuses, and int() refuses 4 300 digits)."""
    if not text or len(text) > 9 or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if value < below else None


def count_in(args: Mapping[str, str], name: str, below: int) -> int:
    """A count a URL carries: ASCII digits under ``below``; anything else (forged, absent) is 0."""
    return whole_number(args.get(name), below) or 0


def place_in(args: Mapping[str, str]) -> int:
    """The step of the call a request's URL names (0: the first, or none given, or forged)."""
    return count_in(args, "n", MAX_PLACE)


@dataclass(frozen=True, slots=True)
class CallState:
    node: str
    lang: str
    silences: int = 0
    wrong_keys: int = 0
    prompted: bool = False      # after a message: the options were read again once, uncounted
    contact: str | None = None  # the contact a transfer went to (on the transfer-failed menu)
    slow: bool = False          # the caller asked for slower speech: kept for the rest of the call
    texted: bool = False        # the text message has been sent: at most once a call
    attempt: int = 0            # during a transfer: which of the contact's numbers is ringing
    place: int = 0              # how many steps into the call: the figures order a call's events by it
    area: str | None = None     # where the child lives (line.yaml areas), once known: kept for the call
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self):
        # Hashed once: the state is the key of the TwiML caches, looked up on every request.
        object.__setattr__(self, "_hash", hash((self.node, self.lang, self.silences, self.wrong_keys,
                                                self.prompted, self.contact, self.slow, self.texted,
                                                self.attempt, self.place, self.area)))

    def __hash__(self) -> int:
        return self._hash

    def at(self, node: str, contact: str | None = None, lang: str | None = None) -> "CallState":
        """A fresh visit to ``node``: counters start again; the language (unless ``lang`` is chosen)
        and choices stay."""
        return CallState(node, lang or self.lang, contact=contact, slow=self.slow, texted=self.texted,
                         place=self.place, area=self.area)

    def trying(self, attempt: int) -> "CallState":
        """The same transfer, ringing the contact's number ``attempt`` (0: the first)."""
        return replace(self, attempt=attempt)

    def counted(self, silences: int = 0, wrong_keys: int = 0, prompted: bool | None = None) -> "CallState":
        return replace(self, silences=self.silences + silences, wrong_keys=self.wrong_keys + wrong_keys,
                       prompted=self.prompted if prompted is None else prompted)

    def url(self, path: str) -> str:
        """``path`` (one of ivr/paths.py's) with this state as its query: the next step of the call."""
        query = {"node": self.node, "lang": self.lang}
        if self.silences:
            query["silences"] = self.silences
        if self.wrong_keys:
            query["wrong"] = self.wrong_keys
        if self.prompted:
            query["prompted"] = 1
        if self.contact:
            query["contact"] = self.contact
        if self.slow:
            query["slow"] = 1
        if self.texted:
            query["texted"] = 1
        if self.attempt:
            query["try"] = self.attempt
        if self.area:
            query["area"] = self.area
        query["n"] = self.place + 1   # the next step of the call
        return f"{path}?{urlencode(query)}"

    @classmethod
    def parse(cls, args: Mapping[str, str], nodes: Collection[str], languages: Collection[str],
              contacts: Collection[str], start: str, first_language: str, limit: int,
              tries: int = 1, areas: Collection[str] = ()) -> "CallState":
        def count(name: str, below: int = limit) -> int:
            return count_in(args, name, below)

        node = args.get("node")
        contact = args.get("contact")
        return cls(
            node=node if node in nodes else start,
            lang=args.get("lang") if args.get("lang") in languages else first_language,
            silences=count("silences"),
            wrong_keys=count("wrong"),
            prompted=args.get("prompted") == "1",
            contact=contact if contact in contacts else None,
            slow=args.get("slow") == "1",
            texted=args.get("texted") == "1",
            attempt=count("try", tries),
            place=place_in(args),
            area=args.get("area") if args.get("area") in areas else None,
        )
