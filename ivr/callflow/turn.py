"""What the engine answers with: a Turn, one document for the phone (what to say, what to wait
for) and the events of the call it makes (what happened), which the web layer applies to the
usage figures and the metrics. Nothing here is XML: render.py makes TwiML of a document.

Documents are immutable and hashed once: the engine keeps the one it built for a state, and the
renderer its TwiML, so a state answered before costs two lookups.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum

from ..routing import Dialled
from ..words import Listening, Utterance


class Kind(StrEnum):
    """The kinds of call event, and what ``detail`` holds for each (kept in the usage figures)."""
    CALL = "call"                          # a call began; detail: the area it came in with ("" without areas)
    LANGUAGE = "language"                  # the language of the call
    AREA = "area"                          # the area the caller chose (or "not sure")
    AT = "at"                              # a menu the caller reached, or a message's options read again
    HEARD = "heard"                        # a message read out; like "at", where the caller is
    TRANSFER = "transfer"                  # a transfer began: the contact (area/contact where numbers differ)
    TRANSFER_OUTCOME = "transfer_outcome"  # how an attempt ended: contact:outcome
    TEXT = "text"                          # the text message: sent, failed, withheld, not_mobile, already_sent
    ENDED = "ended"                        # the call ended: its length, in a bucket


@dataclass(frozen=True, slots=True)
class Event:
    kind: Kind
    detail: str = ""
    out_of_hours: bool = False


@dataclass(frozen=True, slots=True)
class Document:
    """Something the phone is told to do; ``said`` first."""
    said: tuple[Utterance, ...] = ()
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_hash", hash((type(self), *(getattr(self, f.name) for f in fields(self)
                                                               if f.compare))))

    def __hash__(self) -> int:
        return self._hash

    def __init_subclass__(cls):
        # @dataclass would give each kind of document a __hash__ of its own, field by field on every
        # lookup; one given here is kept (the dataclasses module leaves an explicit __hash__ alone).
        cls.__hash__ = Document.__hash__


@dataclass(frozen=True, slots=True)
class Gather(Document):
    """Say ``said`` while listening for one key (and words, with ``listening``); the answer goes to
    ``action``, and ``on_silence`` is asked for if none comes."""
    action: str = ""
    on_silence: str = ""
    listening: Listening | None = None
    slow: bool = False


@dataclass(frozen=True, slots=True)
class Dial(Document):
    """Say ``said``, then put the caller through to ``number``. With a ``screen_url``, whoever answers
    first hears its document and must accept the call. With an ``action`` Twilio reports how it
    went; without one (the safety net) the call carries on with ``afterwards`` and ends.
    ``caller_id``: the number the team sees, when not the caller's own."""
    number: Dialled | None = None
    screen_url: str | None = None
    action: str | None = None
    afterwards: tuple[Utterance, ...] = ()
    slow: bool = False
    caller_id: str | None = None


@dataclass(frozen=True, slots=True)
class Screen(Document):
    """For the person answering a transfer: listen for one key while saying ``said``; with none,
    say ``not_taken`` and hang up their leg."""
    action: str = ""
    timeout: int = 10
    not_taken: tuple[Utterance, ...] = ()


@dataclass(frozen=True, slots=True)
class Hangup(Document):
    slow: bool = False


@dataclass(frozen=True, slots=True)
class Accept(Document):
    """Nothing to say: on the team's leg, Twilio then joins the two calls."""


@dataclass(frozen=True, slots=True)
class Turn:
    document: Document
    events: tuple[Event, ...] = ()

    def after(self, *events: Event) -> "Turn":
        """This turn with ``events`` happened first."""
        return Turn(self.document, events + self.events)
