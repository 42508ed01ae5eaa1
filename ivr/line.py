"""The line itself: given where a caller is, what they did and the time, what happens next.

Every method returns one TwiML document. Nothing here knows about HTTP: the web
layer and the terminal call both drive these same methods.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping
from urllib.parse import parse_qsl

from . import choices as choosing
from . import metrics
from . import config as line_config
from . import flow
from babel import Locale

from .catalog import PLACEHOLDERS, Catalog
from .choices import Choice
from .config import ConfigError, Contact, Language, LineConfig
from .context import AUDIO_BASE, CURRENT_CALL
from .flow import LANGUAGE_MENU, NOT_SURE, TRANSFER_FAILED, Action, Menu, Option
from .recordings import Recordings
from .render import ANY_AREA, Listening, Renderer, Utterance
from .state import CallState
from .texting import Texter
from .transfers import TEAM_PROMPTS, Transfers
from .usage import Recorder

log = logging.getLogger(__name__)

AUDIO_DIR = "prompts/audio"
# Prompts never heard on their own: parts of other prompts, words to say, the text message.
NOT_SPOKEN_ALONE = ("key.", "keywords.", "choice.", "sms.")
PERSON = "option.speak_to_someone"   # the way to a person: first in the greeting and on the main menu
# The first words of every call, in the first language: the way to a person first.
GREETING = ("greeting.welcome", PERSON, "greeting.danger")
PRIVACY = {True: "privacy.number_hidden", False: "privacy.number_shown"}   # by transfer.caller_id being set
SAY_OR_PRESS = "welcome.say_or_press"
FIXED_PROMPTS = GREETING + (
    "welcome.young_person", *PRIVACY.values(), SAY_OR_PRESS, "welcome.every_key",
    "key.star", "key.hash", "choice.press",
    "option.repeat", "option.back",
    "keywords.speak_to_someone", "keywords.repeat", "keywords.back", "keywords.slower",
    "transfer.after_limit", "transfer_failed.danger",
    "option.try_again", "option.urgent", "keywords.try_again", "keywords.urgent",
    "text.sent", "text.failed", "text.withheld", "text.not_mobile", "text.already_sent", "sms.body",
    "error.no_input", "error.wrong_key", "error.safety_net", "goodbye.numbers",
)


def language_names(languages: Iterable[Language], teams: Language) -> dict[str, str]:
    """Each language's name in the teams' language, for the whisper ("The caller chose Polish"):
    CLDR's names through Babel, of the teams' locale only (no data loaded per language)."""
    names = Locale.parse(teams.locale).languages
    return {lang.code: names.get(lang.locale.split("_")[0], lang.code) for lang in languages}


class Line:
    """The call engine. ``strict=False`` builds it despite problems (kept in ``problems``),
    for the tools that report on a line that cannot start yet."""

    def __init__(self, config: LineConfig, menu: Menu, catalog: Catalog, recordings: Recordings,
                 strict: bool = True):
        self.config = config
        self.menu = menu
        self.catalog = catalog
        self.recordings = recordings
        self.texter: Texter | None = None   # see enable_texting
        self.texts_assumed = False           # see as_configured
        self.usage = Recorder(None)         # records nothing until the app gives it a store
        self.renderer = Renderer(config, catalog, recordings, menu.every_node)
        self.first_language = config.languages[0]
        self.privacy = PRIVACY[config.transfer.caller_id is not None]
        self.language_names = language_names(config.languages, self.first_language)
        allowed = PLACEHOLDERS | set(config.numbers) | set(config.links) | {f"key_{k}" for k in menu.every_node}
        self.problems = catalog.problems(self.required_prompts(), allowed, {self.first_language.code: TEAM_PROMPTS})
        self.problems += list(recordings.problems) + self.area_question_problems()
        if not self.problems:
            self.problems = self.unsayable() + self.wrong_words()
        if self.problems and strict:
            raise ConfigError(None, self.problems)   # each names its language, file or key
        # The TwiML of a step depends only on these arguments (the call's state, what is said
        # first, the office being open, the public base URL), never on who is calling: built
        # once, it can answer every caller in the same state (see README, Performance).
        self._menu_twiml = functools.lru_cache(maxsize=4096)(self._build_menu)
        self.read_url = functools.lru_cache(maxsize=4096)(self._read_url)
        self.transfers = Transfers(config, self.renderer, self.first_language, self.language_names,
                                   self.record)
        self._choices = functools.lru_cache(maxsize=1024)(self._list_choices)
        every_contact = [c for area in config.every_area() for c in area.contacts.values()]
        self._known = dict(   # what a URL may name, for parse_state
            nodes=frozenset(self.menu.nodes) | {LANGUAGE_MENU, TRANSFER_FAILED},
            languages=frozenset(lang.code for lang in config.languages),
            contacts=self.transfers.contact_keys, start=self.menu.start,
            first_language=self.first_language.code,
            limit=max(config.input.max_silences, config.input.max_wrong_keys),
            tries=max(len(contact.numbers) for contact in every_contact), areas=frozenset(config.areas))
        # Built now, so the last resort needs nothing that could fail mid-call.
        self.fallback_twiml = "" if self.problems else self.transfers.fallback(self.first_language)

    @classmethod
    def load(cls, root: Path, config_path: Path, strict: bool = True) -> "Line":
        config = line_config.load(config_path)
        menu = flow.load(root / "prompts" / "menu.yaml")
        catalog = Catalog.load(root / "prompts", root / "locales", config.languages)
        recordings = Recordings.load(root / AUDIO_DIR, [lang.code for lang in config.languages])
        return cls(config, menu, catalog, recordings, strict)

    def record(self, kind: str, detail: str = "", out_of_hours: bool = False) -> None:
        """A call event: kept in the anonymous usage figures, and counted in the metrics."""
        self.usage.record(kind, detail, out_of_hours)
        metrics.observe(kind, detail)

    def enable_texting(self, texter: Texter | None) -> None:
        self.texter = texter
        self.forget_answers()   # the text option appears or goes

    def forget_answers(self) -> None:
        """Empty every cache of the line's answers: each is built again when next asked for."""
        for cache in (self._menu_twiml, self._choices, self.read_url, *self.transfers.caches):
            cache.cache_clear()

    def as_configured(self) -> "Line":
        """This line with every option line.yaml sets up offered, texts included even without
        Twilio credentials: what the timing report measures."""
        if self.config.texting and not self.texting:
            self.texts_assumed = True
            self.enable_texting(Texter(self.config.texting, None, None))   # clears the caches
        return self

    @property
    def multilingual(self) -> bool:
        """Whether there is a language menu (with one language on it, it is skipped)."""
        return len(self.config.menu_languages) > 1

    @property
    def texting(self) -> bool:
        """Whether the "send me these numbers by text" option is offered."""
        return self.texter is not None and (self.texter.ready or self.texts_assumed)

    def required_prompts(self) -> set[str]:
        contacts = {contact for area in self.config.every_area() for contact in area.contacts}
        required = set(FIXED_PROMPTS) | self.menu.prompt_ids(self.config.several_areas)
        required |= {f"transfer.{key}" for key in contacts} | {f"transfer_failed.{key}" for key in contacts}
        if self.multilingual:
            required |= {"language.choose", "keywords.language"}
        if self.config.several_areas:   # what may be said while the caller's area is not known, in its twin
            unknown = self.config.no_area
            only_in_areas = {f"{kind}.{key}" for key in contacts - set(unknown.contacts)
                             for kind in ("transfer", "transfer_failed")}
            required |= {prompt + ANY_AREA for prompt in required - only_in_areas
                         if self.renderer.needs_twin(prompt, unknown)}
        return required

    def area_question_problems(self) -> list[str]:
        """On a regional line, the area question (menu.yaml) must offer exactly line.yaml's areas."""
        if not self.config.several_areas:
            return []
        if not self.menu.area_question:
            return ["prompts/menu.yaml: area_question: is missing, and line.yaml has areas and area: null "
                    "(callers must be asked)"]
        named, configured = self.menu.areas_named(), set(self.config.areas)
        found = [f"prompts/menu.yaml: the area question offers {area!r}, which is not under areas in line.yaml"
                 for area in sorted(named - configured)]
        found += [f"line.yaml: areas.{area}: the area question in prompts/menu.yaml never offers it"
                  for area in sorted(configured - named)]
        return found

    def utterances(self, language: Language) -> list[Utterance]:
        """Everything the line can say on its own in ``language``, as a call says it (a prompt that
        says an area's number: once for each area)."""
        keys, numbers = self._option_keys(), self.config.numbers
        found = {}
        for prompt in sorted(self.required_prompts()):
            if prompt.startswith(NOT_SPOKEN_ALONE) or (prompt == SAY_OR_PRESS and not language.listens):
                continue
            if prompt == "language.choose":
                if language.on_menu:
                    found[prompt] = self._offer(self._language_choice(language))
                continue
            for area in self.config.every_area():
                kind, _, contact = prompt.partition(".")
                if kind in ("transfer", "transfer_failed") and contact in numbers \
                        and contact not in area.contacts:
                    continue   # nobody is put through to that contact from this area
                said = self.renderer.said(prompt, language, area.key, keys.get(prompt))
                found.setdefault(said.recording_id, said)
        return list(found.values())

    def unsayable(self) -> list[str]:
        """Prompts a language can neither play nor speak: such a language is refused."""
        return [f"language {language.code}: {u.recording_id}: has no recording in {AUDIO_DIR}/{language.code}/, "
                "and no Twilio voice speaks the language"
                for language in self.config.languages if not language.speaks
                for u in self.utterances(language) if self.recordings.get(language.code, u.recording_id) is None]

    def wrong_words(self) -> list[str]:
        """A caller never hears words other than the prompt's (an old number, a changed sentence).
        In a language with a voice, a recording that says other words is set aside and the prompt
        is spoken; in a language without one, the line refuses to start until it is made again."""
        stale = self.stale_recordings()
        voiced = [(code, prompt) for code, prompt in stale if self.config.language(code).speaks]
        for code, prompt in voiced:
            log.warning("the %s recording of %s says other words than its prompt: the prompt is spoken instead",
                        code, prompt)
        if voiced:
            self.recordings = self.renderer.recordings = self.recordings.without(voiced)
        return [f"language {code}: {prompt}: its recording says other words than the prompt now does (an old "
                f"number or sentence): make it again with `flask --app ivr recordings make --lang {code}`"
                for code, prompt in stale if (code, prompt) not in voiced]

    def keyword_overlaps(self) -> list[str]:
        """Where a word one option is chosen by lies within another option's words on the same
        menu, a caller saying more than the longer one ("how to talk with my children") would be
        heard as the shorter ("talk": speak to someone). One line per such pair, per language."""
        found = []
        menus = [node.id for node in self.menu.nodes.values()] + [TRANSFER_FAILED]
        for language in self.config.languages:
            if not language.listens:
                continue
            for node_id in menus:
                contact = self.config.routing.in_hours.key if node_id == TRANSFER_FAILED else None
                # (a later area question's towns, said sooner, share words with the option leading there)
                choices = [c for c in self._list_choices(node_id, contact, language, urgent=True) if c.key]
                for longer, word in choosing.overlaps(choices):
                    found.append(f"language {language.code}: menu {node_id}: the keyword {word!r} of one option is "
                                 f"part of {longer!r} of another: make one of them distinct")
        return sorted(set(found))

    def stale_recordings(self) -> list[tuple[str, str]]:
        """(language, prompt) of each recording whose words are no longer what the prompt says."""
        return [(language.code, u.recording_id) for language in self.config.languages
                for u in self.utterances(language)
                if (rec := self.recordings.get(language.code, u.recording_id))
                and self.catalog.has(u.prompt, language.code) and rec.text != self.renderer.plain(u)]

    def places(self, language: Language) -> list[tuple[str, str, list[Utterance]]]:
        """Each place of a call in ``language`` as (budget kind, name, what is said there), for the
        timing report; "opening" is what a caller hears before pressing the language's key."""
        found = []
        start = CallState(self.menu.start, language.code)
        if self.multilingual and language.on_menu:
            menu = CallState(LANGUAGE_MENU, self.first_language.code)
            offered = self.menu_words(menu, GREETING)
            mine = next(i for i, u in enumerate(offered) if u.prompt == "language.choose" and u.language == language)
            found.append(("opening", "", offered[:mine + 1]))
            if language == self.first_language:
                greeting = len(GREETING)
                found.append(("message", "greeting", offered[:greeting]))
                found.append(("language_menu", "language menu", offered[greeting:]))
            lead = ()
        else:
            lead = GREETING
        first = self.menu_words(start, lead, welcome=True)
        found.append(("after_language", "", first))
        welcome = len(lead) + len(self.welcome_prompts(start, lead))
        found.append(("message", "welcome, once a call", first[:welcome]))
        found.append(("menu", "main menu, the first time", first[welcome:]))
        for node in self.menu.nodes.values():
            if node.id in self.menu.area_nodes and not self.config.several_areas:
                continue
            kind = "menu" if node.is_menu else "message"
            found.append((kind, f"{kind} {node.id}", self.menu_words(CallState(node.id, language.code))))
        measured = set()
        for area in self.config.every_area():
            for contact in area.contacts.values():
                if (contact.key, contact.spoken) in measured:
                    continue   # the same words as in another area
                measured.add((contact.key, contact.spoken))
                name = f"{contact.key} ({area.key})" if contact.key in self.renderer.area_numbers else contact.key
                failed = CallState(TRANSFER_FAILED, language.code, contact=contact.key, area=area.key)
                urgent = contact != area.routing.out_of_hours
                # what happened (sorry, their number, 999) is a message; then the choices, a menu
                told, options = self._body(failed, language), self.menu_words(failed, urgent=urgent, options_only=True)
                found.append(("message", f"after a failed transfer to {name}: what happened", told))
                found.append(("menu", f"after a failed transfer to {name}: the choices", options))
                found.append(("before_transfer", f"before a transfer to {name}", self.transfers.words(failed)))
                found.append(("before_transfer", f"before a transfer to {name}, after too many tries",
                              self.transfers.words(failed, ["transfer.after_limit"])))
        return found

    def _read_url(self, query: str) -> tuple[Mapping[str, str], CallState]:
        """A request's query string (one of the line's own URLs, as Twilio sends it back): its
        fields, and the call's state. Cached as ``read_url``: the same URLs come back call after call."""
        args = MappingProxyType(dict(parse_qsl(query)))
        return args, self.parse_state(args)

    def parse_state(self, args: Mapping[str, str]) -> CallState:
        state = CallState.parse(args, **self._known)
        if state.node == TRANSFER_FAILED and state.contact is None:
            return state.at(self.menu.start)
        return state

    # -- the steps of a call --------------------------------------------------
    def incoming(self, called: str | None, now: dt.datetime, area: str | None = None) -> str:
        """The first answer to a call: greeting, then the language or main menu. The call's area is
        its number's, or ``area`` (a simulated call's), or not known yet."""
        chosen = self.config.called_numbers.get(called or "")
        area = area if area in self.config.areas else self.config.called_areas.get(called or "")
        # On a line with areas, the call's event names the area it came in with (one event, not two:
        # every event is a row the usage writer pays for).
        self.record("call", (area or self.config.default_area or "not known") if self.config.areas else "",
                    out_of_hours=not self.config.area(area).routing.hours.is_open(now))
        if chosen or not self.multilingual:
            state = CallState(self.menu.start, chosen or self.first_language.code, area=area)
            self.record("language", state.lang)
            return self.present(state, now, lead=GREETING, welcome=True)
        return self.present(CallState(LANGUAGE_MENU, self.first_language.code, area=area), now, lead=GREETING)

    def present(self, state: CallState, now: dt.datetime, lead: Iterable[str] = (),
                options_only: bool = False, welcome: bool = False) -> str:
        """Say a node (unless ``options_only``) and its options, and listen for a key or a word.
        ``welcome``: the first menu in the caller's language, with what is said once a call."""
        # A message read out is "heard", which also says where the caller is; anything else is "at".
        heard = not options_only and state.node in self.menu.nodes and not self.menu.nodes[state.node].is_menu
        self.record("heard" if heard else "at", state.node)
        return self._menu_twiml(state, tuple(lead), options_only, self._urgent_offered(state, now), welcome,
                                AUDIO_BASE.get())

    def _build_menu(self, state: CallState, lead: tuple[str, ...], options_only: bool, urgent: bool,
                    welcome: bool, _audio_base: str) -> str:
        # _audio_base is only part of the cache key: the renderer reads it from the context.
        language = self._language(state)
        listening = self._listening(state, language)
        spoken = self.menu_words(state, lead, options_only, urgent, welcome)
        if listening:
            choices = self._choices(state.node, state.contact, language, urgent)
            listening = Listening(listening.language, tuple(word for c in choices for word in c.keywords))
        return self.renderer.gather(spoken, state.url("key"), state.url("silence"), listening, state.slow)

    def menu_words(self, state: CallState, lead: Iterable[str] = (), options_only: bool = False,
                   urgent: bool = False, welcome: bool = False) -> list[Utterance]:
        """Everything said at a node, in order: what the caller hears (and the timing report measures)."""
        language = self._language(state)
        keys = self._option_keys()
        said = tuple(lead) + (self.welcome_prompts(state, tuple(lead)) if welcome else ())
        spoken = [self.renderer.said(prompt, language, state.area, keys.get(prompt)) for prompt in said]
        if not options_only:
            spoken += self._body(state, language)
        choices = self._choices(state.node, state.contact, language, urgent)
        spoken += [self._offer(choice) for choice in choices if choice.prompt and choice.prompt not in said]
        return spoken

    def welcome_prompts(self, state: CallState, lead: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Said once a call, in the caller's language, before the first menu: the way to a person,
        999, a word to a young person, what the team will see, and how to choose (unless ``lead``,
        the greeting, has just said it)."""
        once = (PERSON, "greeting.danger", "welcome.young_person", self.privacy)
        if self._listening(state, self._language(state)):
            once += (SAY_OR_PRESS,)
        return tuple(prompt for prompt in once + ("welcome.every_key",) if prompt not in lead)

    def key(self, state: CallState, digits: str | None, now: dt.datetime, speech: str | None = None,
            caller: str | None = None) -> str:
        """A key pressed (``digits``) or words said (``speech``) where ``state`` is."""
        language = self._language(state)
        choices = self._choices(state.node, state.contact, language, self._urgent_offered(state, now))
        if digits:
            choice = choosing.by_key(choices, digits)
        elif speech and self._listening(state, language):
            choice = choosing.by_speech(choices, speech)
        else:
            choice = None
        if choice is None:   # a wrong key, words that choose nothing, or nothing: counted alike
            state = state.counted(wrong_keys=1)
            if state.wrong_keys >= self.config.input.max_wrong_keys:
                return self._after_limit(state, now)
            return self.present(state, now, lead=["error.wrong_key"], options_only=True)
        return self._do(choice.action, state, now, caller)

    def silence(self, state: CallState, now: dt.datetime) -> str:
        if state.node == LANGUAGE_MENU:   # pressing nothing chooses the first language
            self.record("language", self.first_language.code)
            return self.present(replace(state.at(self.menu.start), lang=self.first_language.code), now,
                                welcome=True)
        node = self.menu.node(state.node)
        if node is not None and not node.is_menu and not state.prompted:
            # After a message, silence is no mistake: say what can be done next, uncounted.
            return self.present(state.counted(prompted=True), now, options_only=True)
        state = state.counted(silences=1)
        if state.silences >= self.config.input.max_silences:
            return self._after_limit(state, now)
        return self.present(state, now, lead=["error.no_input"], options_only=True)

    def transfer(self, state: CallState, now: dt.datetime, contact: Contact | None = None,
                 lead: Iterable[str] = ()) -> str:
        return self.transfers.start(state, now, contact, lead)

    def transfer_done(self, state: CallState, status: str | None, now: dt.datetime,
                      bridged: str | None = None, first_report: bool = True) -> str:
        """Twilio reports how a transfer went: end the call, try the next number, or offer what
        else can be done (see ivr/transfers.py)."""
        def failed(after: CallState) -> str:
            contact = after.contact or self.config.area(after.area).routing.route_for(now).key
            return self.present(after.at(TRANSFER_FAILED, contact), now)
        return self.transfers.done(state, status, bridged, failed, first_report)

    def rescue(self, lang_code: str | None, now: dt.datetime | None, area: str | None = None) -> str:
        """The safety net: apologise and put the caller through to whoever answers now (in the
        caller's area when it is known; else whoever answers a caller not sure of it)."""
        return self.transfers.rescue(self.config.language(lang_code) or self.first_language, now,
                                     area if area in self.config.areas else None)

    # -- what a choice does -----------------------------------------------------
    def _do(self, action: Action, state: CallState, now: dt.datetime, caller: str | None) -> str:
        if action.kind == "go":
            return self.present(state.at(action.target), now)
        if action.kind == "language":
            self.record("language", action.target)
            return self.present(replace(state.at(self.menu.start), lang=action.target), now, welcome=True)
        if action.kind == "speak_to_someone":
            if (state.area is None and self.config.needs_area(now) and state.node not in self.menu.area_nodes
                    and state.node != TRANSFER_FAILED):   # "try again" goes where the failed transfer went
                return self.present(state.at(self.menu.area_question), now)   # who answers depends on it
            return self.transfer(state, now)
        if action.kind == "area":
            self.record("area", action.target)
            return self.transfer(replace(state, area=action.target), now)
        if action.kind == "not_sure":   # on the area question: routing.not_sure answers
            self.record("area", "not sure")
            return self.transfer(state, now)
        if action.kind == "urgent":
            return self.transfer(state, now, contact=self.config.area(state.area).routing.out_of_hours)
        if action.kind == "repeat":
            return self.present(state.at(state.node, state.contact), now)
        if action.kind == "slower":
            return self.present(replace(state.at(state.node, state.contact), slow=True), now)
        if action.kind == "send_text":
            return self._send_text(state, now, caller)
        return self.present(state.at(self._parent(state)), now)   # "back"

    def _send_text(self, state: CallState, now: dt.datetime, caller: str | None) -> str:
        """Send the text the caller agreed to, at most once a call, and say how it went."""
        back = state.at(self._parent(state))
        refusal = Texter.refusal(caller)
        if not self.texting:   # only a forged URL gets here: texts are not offered
            outcome = "text.failed"
        elif state.texted:
            outcome = "text.already_sent"
        elif refusal:
            outcome = refusal
        else:
            sent = self.texter.send(caller, self.renderer.text_message("sms.body", self._language(state), state.area),
                                    CURRENT_CALL.get())
            outcome = f"text.{sent}"
            if sent in ("sent", "already_sent"):
                back = replace(back, texted=True)
        self.record("text", outcome.removeprefix("text."))
        return self.present(back, now, lead=[outcome])

    # -- parts ----------------------------------------------------------------
    def _after_limit(self, state: CallState, now: dt.datetime) -> str:
        if self.config.input.after_limit == "goodbye" and state.node not in self.menu.area_nodes:
            # (on the area question the caller has asked for a person: they are put through)
            return self.renderer.hangup([self.renderer.said("goodbye.numbers", self._language(state), state.area)],
                                        slow=state.slow)
        return self.transfer(state, now, lead=["transfer.after_limit"])

    def _language(self, state: CallState) -> Language:
        return self.config.language(state.lang) or self.first_language

    def _body(self, state: CallState, language: Language) -> list[Utterance]:
        if state.node == LANGUAGE_MENU:
            return []
        if state.node == TRANSFER_FAILED:
            return [self.renderer.said(f"transfer_failed.{state.contact}", language, state.area),
                    Utterance("transfer_failed.danger", language)]
        node = self.menu.nodes[state.node]
        return [self.renderer.said(node.say, language, state.area)] if node.say else []

    def _list_choices(self, node_id: str, contact: str | None, language: Language, urgent: bool) -> tuple[Choice, ...]:
        """Everything that can be chosen at a node; those with a prompt are announced, in this order.

        Menus announce the way to a person first, then their options; after a message, what
        comes next (more, a person, back). Star, hash and 9 are explained once a call
        (welcome.every_key) and work everywhere."""
        state = CallState(node_id, language.code, contact=contact)
        def every(kind: str, announced: bool = False) -> Choice:
            return self._choice(self.menu.every_node[kind], Action(kind), language, f"option.{kind}", announced)

        quiet = {kind: every(kind) for kind in ("speak_to_someone", "repeat", "back", "slower")}
        if state.node == LANGUAGE_MENU:
            return tuple([self._language_choice(lang) for lang in self.config.menu_languages] + list(quiet.values()))
        if state.node == TRANSFER_FAILED:
            failed = self.menu.transfer_failed
            options = [self._choice(failed["try_again"], Action("speak_to_someone"), language, "option.try_again")]
            if urgent:
                options.append(self._choice(failed["urgent"], Action("urgent"), language, "option.urgent"))
            return tuple(options + [quiet["speak_to_someone"], quiet["repeat"], quiet["back"], quiet["slower"]])
        node = self.menu.nodes[state.node]
        if not node.is_menu:
            first = [self._choice(self.menu.more_key, Action("go", node.more), language, "option.more")] if node.more else []
            announced = [every(kind, announced=True) for kind in ("speak_to_someone", "back")]
            return tuple(first + announced + [quiet["repeat"], quiet["slower"]])
        options = [self._choice(option.key, self.menu.action(node, option.key), language, option.say)
                   for option in node.options if self._offered(option)]
        person, sooner = every("speak_to_someone", announced=True), []
        if node.id in self.menu.area_nodes:
            # The way to a person here is "not sure"; and a town of a later question, said now,
            # chooses its area at once (no key: said only).
            person = Choice(person.key, Action("not_sure"), language, NOT_SURE[0],
                            self._keywords(NOT_SURE[0], language) + person.keywords)
            sooner = [self._choice("", Action("area", o.area), language, o.say, announced=False)
                      for o in self.menu.areas_below(node.id)]
        return tuple([person] + sooner + options + [quiet["repeat"], quiet["back"], quiet["slower"]])

    def _choice(self, key: str, action: Action, language: Language, prompt: str, announced: bool = True) -> Choice:
        return Choice(key, action, language, prompt if announced else None, self._keywords(prompt, language))

    def _option_keys(self) -> dict[str, str]:
        """The key each option prompt offers, wherever it is said."""
        keys = {option.say: option.key for node in self.menu.nodes.values() for option in node.options}
        keys.update({f"option.{kind}": key for kind, key in self.menu.every_node.items()})
        keys.update({f"option.{kind}": key for kind, key in self.menu.transfer_failed.items()})
        keys["option.more"] = self.menu.more_key
        keys[NOT_SURE[0]] = self.menu.every_node["speak_to_someone"]
        return keys

    def _offered(self, option: Option) -> bool:
        target = self.menu.node(option.go)
        return not (target and target.needs == "texting" and not self.texting)

    def _keywords(self, option_prompt: str, language: Language) -> tuple[str, ...]:
        prompt = option_prompt.replace("option.", "keywords.", 1)
        if not self.catalog.has(prompt, language.code):   # only while a translation is missing (status, update)
            return ()
        return choosing.keywords(self.catalog.text(prompt, language.code))

    def _language_choice(self, language: Language) -> Choice:
        """A language offers itself in its own words, and is chosen by saying its name
        (keywords.language in its own catalog: "polski, po polsku, Polish")."""
        key = self.config.menu_key(language)
        names = self._keywords("keywords.language", language)
        return Choice(key, Action("language", language.code), language, "language.choose", names)

    @staticmethod
    def _offer(choice: Choice) -> Utterance:
        """The prompt that offers a choice, with its key: "Warning signs: press 2"."""
        return Utterance(choice.prompt, choice.language, choice.key)

    def _listening(self, state: CallState, language: Language) -> Listening | None:
        """Whether this node takes spoken choices, and in which language Twilio hears them."""
        hearing = self.first_language if state.node == LANGUAGE_MENU else language
        return Listening(hearing.speech, ()) if hearing.listens else None

    def _urgent_offered(self, state: CallState, now: dt.datetime) -> bool:
        """In office hours, a caller the day team could not take may try the emergency service."""
        routing = self.config.area(state.area).routing
        return (state.node == TRANSFER_FAILED and state.contact != routing.out_of_hours.key
                and routing.hours.is_open(now))

    def _parent(self, state: CallState) -> str:
        """Where "back" goes from this node."""
        if state.node == LANGUAGE_MENU:
            return LANGUAGE_MENU
        if state.node == TRANSFER_FAILED:
            return self.menu.start
        node = self.menu.nodes[state.node]
        if node.parent:
            return node.parent
        if node.id == self.menu.area_question:
            return self.menu.start
        return LANGUAGE_MENU if self.multilingual else node.id
