"""The call engine: given where a caller is, what they did and the time, one turn: what the phone
says and waits for next, and what happened (events the web layer applies to the figures).

Pure but for two things it is given: the texter that sends the text a caller asks for (its result
changes what is said next), and the clock's reading, passed in with every step (``Call.now``).
It knows no HTTP, no usage store and no metrics; what a choice does is ivr/callflow/actions.py's,
what is said where ivr/callflow/script.py's, who answers ivr/routing.py's.
"""
from __future__ import annotations

import functools
from typing import Iterable, Mapping

from .. import paths
from ..config import LineConfig
from ..texting import Texter
from ..words import Wording
from . import actions, matching
from .actions import Call
from .graph import Menu
from .script import GREETING, Script, language_names
from .state import LANGUAGE_MENU, TRANSFER_FAILED, CallState
from .transfers import Transfers
from .turn import Document, Event, Gather, Hangup, Kind, Turn


class Engine:
    """Built complete by ``LineFiles.engine`` and never changed after: ``script`` says whether texts
    are offered, ``texter`` sends them (None: none can be sent; the timing report measures a line
    that offers them without one, as line.yaml sets it up)."""

    def __init__(self, config: LineConfig, menu: Menu, script: Script, wording: Wording,
                 texter: Texter | None = None):
        self.config = config
        self.menu = menu
        self.wording = wording
        self.routes = config.routes
        self.texter = texter
        self.script = script
        self.texts_offered = script.texts_offered
        self.transfers = Transfers(config, wording, language_names(config.languages, config.first_language))
        unknown = {action.kind for action in menu.actions()} - set(actions.REGISTRY)
        if unknown:   # (menu.yaml's reader refuses them first: this holds the engine to the registry)
            raise ValueError(f"actions without a handler: {', '.join(sorted(unknown))}")
        # The document of a step depends only on these arguments (the call's state, what is said
        # first, the office being open), never on who is calling: built once, it can answer every
        # caller in the same state (see README, Performance).
        self._gathers = functools.lru_cache(maxsize=4096)(self._gather)
        # What a URL may name (CallState.parse): anything else in a request is replaced by a default.
        self.known = dict(
            nodes=frozenset(menu.nodes) | {LANGUAGE_MENU, TRANSFER_FAILED},
            languages=frozenset(lang.code for lang in config.languages),
            contacts=frozenset(contact.key for _, contact in self.routes.contacts()), start=menu.start,
            first_language=config.first_language.code,
            limit=max(config.input.max_silences, config.input.max_wrong_keys),
            tries=max(len(contact.numbers) for _, contact in self.routes.contacts()),
            areas=frozenset(config.areas))
        # Built now, so the last resort needs nothing that could fail mid-call.
        self.fallback = self.transfers.fallback()

    def state(self, args: Mapping[str, str]) -> CallState:
        """The call's state from its URL's fields: only what the line knows, defaults for the rest."""
        state = CallState.parse(args, **self.known)
        if state.node == TRANSFER_FAILED and state.contact is None:
            return state.at(self.menu.start)
        return state

    # -- the steps of a call --------------------------------------------------
    def incoming(self, call: Call, area: str | None = None) -> Turn:
        """The first answer to a call: greeting, then the language or main menu. The call's area is
        its number's, or ``area`` (a simulated call's), or not known yet."""
        config = self.config
        chosen = config.called_numbers.get(call.line_number or "")
        area = area if area in config.areas else config.called_areas.get(call.line_number or "")
        # On a line with areas, the call's event names the area it came in with (one event, not two:
        # every event is a row the usage writer pays for).
        began = Event(Kind.CALL, (area or config.default_area or "not known") if config.areas else "",
                      out_of_hours=not self.routes.office_open(area, call.now))
        if chosen or not config.multilingual:
            state = CallState(self.menu.start, chosen or config.first_language.code, area=area)
            turn = self.present(state, call.now, lead=GREETING, welcome=True)
            return turn.after(began, Event(Kind.LANGUAGE, state.lang))
        return self.present(CallState(LANGUAGE_MENU, config.first_language.code, area=area), call.now,
                            lead=GREETING).after(began)

    def choose(self, state: CallState, call: Call, digits: str | None, speech: str | None = None) -> Turn:
        """The caller's choice where ``state`` is: a key pressed (``digits``) or words said (``speech``)."""
        language = self.script.language(state)
        choices = self.script.choices(state.node, language, self._urgent_offered(state, call.now))
        if digits:
            choice = matching.by_key(choices, digits)
        elif speech and self.script.listening(state, language):
            choice = matching.by_speech(choices, speech, self.script.refusals(language))
        else:
            choice = None
        if choice is None:   # a wrong key, words that choose nothing, or nothing: counted alike
            state = state.counted(wrong_keys=1)
            if state.wrong_keys >= self.config.input.max_wrong_keys:
                return self._after_limit(state, call)
            return self.present(state, call.now, lead=["error.wrong_key"], options_only=True)
        return actions.do(self, choice.action, state, call)

    def silence(self, state: CallState, call: Call) -> Turn:
        if state.node == LANGUAGE_MENU:   # pressing nothing chooses the first language
            first = self.config.first_language.code
            turn = self.present(state.at(self.menu.start, lang=first), call.now, welcome=True)
            return turn.after(Event(Kind.LANGUAGE, first))
        node = self.menu.node(state.node)
        if node is not None and not node.is_menu and not state.prompted:
            # After a message, silence is no mistake: say what can be done next, uncounted.
            return self.present(state.counted(prompted=True), call.now, options_only=True)
        state = state.counted(silences=1)
        if state.silences >= self.config.input.max_silences:
            return self._after_limit(state, call)
        return self.present(state, call.now, lead=["error.no_input"], options_only=True)

    def transfer(self, state: CallState, call: Call, contact=None, lead: Iterable[str] = ()) -> Turn:
        return self.transfers.start(state, call, contact, lead)

    def transfer_done(self, state: CallState, call: Call, status: str | None, bridged: str | None,
                      first_report: bool) -> Turn:
        """Twilio reports how a transfer went: end the call, try the next number, or offer what
        else can be done (see ivr/callflow/transfers.py). ``first_report`` False: the same report
        again (a replay), answered alike and counted once."""
        attempt = self.transfers.done(state, call, status, bridged, first_report)
        if attempt.document is not None:
            return Turn(attempt.document, attempt.events)
        # Every number tried (or a forged URL): what happened, and what the caller can do next.
        contact = attempt.contact or self.routes.answering(state.area, call.now).key
        return self.present(state.at(TRANSFER_FAILED, contact), call.now).after(*attempt.events)

    def rescue(self, lang: str | None, call: Call, area: str | None, slow: bool) -> Document:
        """The safety net: apologise and put the caller through to whoever answers now (in the
        caller's area when it is known; else, an unknown key included, whoever answers a caller not
        sure of it: Routes.area), at the pace the caller asked for (``slow``)."""
        language = self.config.language(lang) or self.config.first_language
        return self.transfers.rescue(language, call, area, slow)

    # -- what is said ----------------------------------------------------------------
    def present(self, state: CallState, now, lead: Iterable[str] = (), options_only: bool = False,
                welcome: bool = False) -> Turn:
        """Say a place (unless ``options_only``) and its options, and listen for a key or a word.
        ``welcome``: the first menu in the caller's language, with what is said once a call."""
        # A message read out is "heard", which also says where the caller is; anything else is "at".
        heard = not options_only and state.node in self.menu.nodes and not self.menu.nodes[state.node].is_menu
        # Who is open now changes only what is said after a failed transfer: elsewhere it is not
        # part of the document's key, so one document answers at every hour.
        open_now = self.routes.open_now(state.area, now) if state.node == TRANSFER_FAILED else None
        # Who 0 reaches is part of it only in the first menu, which says what 0 is for out of hours
        # (Script.welcome_prompts).
        answering = self.routes.answering(state.area, now).key if welcome else None
        document = self._gathers(state, tuple(lead), options_only, self._urgent_offered(state, now), welcome,
                                 open_now, answering)
        return Turn(document, (Event(Kind.HEARD if heard else Kind.AT, state.node),))

    def _gather(self, state: CallState, lead: tuple[str, ...], options_only: bool, urgent: bool,
                welcome: bool, open_now: frozenset[str] | None, answering: str | None) -> Gather:
        language = self.script.language(state)
        spoken = self.script.menu_words(state, lead, options_only, urgent, welcome, open_now, answering)
        return Gather(tuple(spoken), state.url(paths.KEY), state.url(paths.SILENCE),
                      self.script.hints(state, language, urgent), state.slow)

    def _after_limit(self, state: CallState, call: Call) -> Turn:
        if self.config.input.after_limit == "goodbye" and state.node not in self.menu.area_nodes:
            # (on the area question the caller has asked for a person: they are put through)
            language = self.script.language(state)
            return Turn(Hangup((self.wording.said("goodbye.numbers", language, state.area),), slow=state.slow))
        return self.transfer(state, call, lead=["transfer.after_limit"])

    def _urgent_offered(self, state: CallState, now) -> bool:
        """After a failed transfer in office hours, the out-of-hours service, if it is open."""
        return state.node == TRANSFER_FAILED and self.routes.urgent_offered(state.area, state.contact, now)
