"""The line itself: given where a caller is, what they did and the time, what happens next.

Every method returns one TwiML document. Nothing here knows about HTTP: the web
layer and the terminal call both drive these same methods.
"""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Iterable, Mapping

from . import config as line_config
from . import flow
from .catalog import Catalog
from .config import ConfigError, Contact, Language, LineConfig
from .flow import LANGUAGE_MENU, TRANSFER_FAILED, Action, Menu
from .recordings import Recordings
from .render import Renderer, Utterance
from .state import CallState

log = logging.getLogger(__name__)

AUDIO_DIR = "prompts/audio"
SPOKEN_INSIDE = {"key.star", "key.hash"}   # only ever heard inside other prompts, as {key}
GREETING = ("greeting.welcome", "greeting.danger", "greeting.privacy")
ANSWERED = ("completed", "answered")   # DialCallStatus values meaning someone took the call
FIXED_PROMPTS = GREETING + (
    "key.star", "key.hash", "option.speak_to_someone", "option.repeat", "option.back",
    "transfer.after_limit", "transfer_failed.danger", "option.try_again", "option.urgent",
    "error.no_input", "error.wrong_key", "error.safety_net", "goodbye.numbers",
)


class Line:
    """The call engine. ``strict=False`` builds it despite problems (kept in ``problems``),
    for the tools that report on a line that cannot start yet."""

    def __init__(self, config: LineConfig, menu: Menu, catalog: Catalog, recordings: Recordings,
                 strict: bool = True):
        self.config = config
        self.menu = menu
        self.catalog = catalog
        self.recordings = recordings
        self.renderer = Renderer(config, catalog, recordings)
        self.first_language = config.languages[0]
        self.problems = catalog.problems(self.required_prompts(), set(config.numbers) | {"key"})
        self.problems += self.unsayable()
        if self.problems and strict:
            raise ConfigError("prompts", self.problems)
        for language, prompt in self.stale_recordings():
            log.warning("the %s recording of %s no longer says its current text", language, prompt)
        # Built now, so the last resort needs nothing that could fail mid-call.
        self.fallback_twiml = "" if self.problems else self._rescue(self.first_language, config.routing.out_of_hours)

    @classmethod
    def load(cls, root: Path, config_path: Path, strict: bool = True) -> "Line":
        config = line_config.load(config_path)
        menu = flow.load(root / "prompts" / "menu.yaml")
        catalog = Catalog.load(root / "prompts", root / "locales", config.languages)
        recordings = Recordings.load(root / AUDIO_DIR, [lang.code for lang in config.languages])
        return cls(config, menu, catalog, recordings, strict)

    @property
    def multilingual(self) -> bool:
        return len(self.config.languages) > 1

    def required_prompts(self) -> set[str]:
        contacts = self.config.contacts.keys()
        required = set(FIXED_PROMPTS) | self.menu.prompt_ids()
        required |= {f"transfer.{key}" for key in contacts} | {f"transfer_failed.{key}" for key in contacts}
        if self.multilingual:
            required.add("language.choose")
        return required

    def utterances(self, language: Language) -> list[Utterance]:
        """Everything the line can say in ``language``, each with the key it offers."""
        keys = {option.say: option.key for node in self.menu.nodes.values() for option in node.options}
        keys.update({f"option.{kind}": key for kind, key in self.menu.every_node.items()})
        keys.update({f"option.{kind}": key for kind, key in self.menu.transfer_failed.items()})
        keys["language.choose"] = str(self.config.languages.index(language) + 1)
        return [Utterance(prompt, language, keys.get(prompt))
                for prompt in sorted(self.required_prompts() - SPOKEN_INSIDE)]

    def unsayable(self) -> list[str]:
        """Prompts a language can neither play nor speak: such a language is refused."""
        return [f"language {language.code}: {u.prompt}: has no recording in {AUDIO_DIR}/{language.code}/, "
                "and no Twilio voice speaks the language"
                for language in self.config.languages if not language.speaks
                for u in self.utterances(language) if self.recordings.get(language.code, u.prompt) is None]

    def stale_recordings(self) -> list[tuple[str, str]]:
        return [(language.code, u.prompt) for language in self.config.languages
                for u in self.utterances(language)
                if (rec := self.recordings.get(language.code, u.prompt))
                and self.catalog.has(u.prompt, language.code) and rec.text != self.renderer.plain(u)]

    def parse_state(self, args: Mapping[str, str]) -> CallState:
        state = CallState.parse(
            args,
            nodes=set(self.menu.nodes) | {LANGUAGE_MENU, TRANSFER_FAILED},
            languages={lang.code for lang in self.config.languages},
            contacts=self.config.contacts.keys(),
            start=self.menu.start,
            first_language=self.first_language.code,
            limit=max(self.config.input.max_silences, self.config.input.max_wrong_keys),
        )
        if state.node == TRANSFER_FAILED and state.contact is None:
            return state.at(self.menu.start)
        return state

    # -- the steps of a call --------------------------------------------------
    def incoming(self, called: str | None, now: dt.datetime) -> str:
        """The first answer to a call: greeting, then the language or main menu."""
        chosen = self.config.called_numbers.get(called or "")
        if chosen or not self.multilingual:
            state = CallState(self.menu.start, chosen or self.first_language.code)
        else:
            state = CallState(LANGUAGE_MENU, self.first_language.code)
        return self.present(state, now, lead=GREETING)

    def present(self, state: CallState, now: dt.datetime, lead: Iterable[str] = (),
                options_only: bool = False) -> str:
        """Say a node (unless ``options_only``) and its options, and listen for a key."""
        language = self._language(state)
        spoken = [Utterance(prompt, language) for prompt in lead]
        if not options_only:
            spoken += self._body(state, language)
        spoken += self._options(state, language, now)
        return self.renderer.gather(spoken, state.url("key"), state.url("silence"))

    def key(self, state: CallState, digits: str | None, now: dt.datetime) -> str:
        action = self._action(state, digits or "", now)
        if action is None:
            state = state.counted(wrong_keys=1)
            if state.wrong_keys >= self.config.input.max_wrong_keys:
                return self._after_limit(state, now)
            return self.present(state, now, lead=["error.wrong_key"], options_only=True)
        if action.kind == "go":
            return self.present(state.at(action.target), now)
        if action.kind == "language":
            return self.present(CallState(self.menu.start, action.target), now)
        if action.kind == "speak_to_someone":
            return self.transfer(state, now)
        if action.kind == "urgent":
            return self.transfer(state, now, contact=self.config.routing.out_of_hours)
        if action.kind == "repeat":
            return self.present(state.at(state.node, state.contact), now)
        return self.present(state.at(self._parent(state)), now)   # "back"

    def silence(self, state: CallState, now: dt.datetime) -> str:
        if state.node == LANGUAGE_MENU:   # pressing nothing chooses the first language
            return self.present(CallState(self.menu.start, self.first_language.code), now)
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
        contact = contact or self.config.routing.route_for(now)
        language = self._language(state)
        spoken = [Utterance(prompt, language) for prompt in (*lead, f"transfer.{contact.key}")]
        log.info("transfer to %s", contact.key)
        after = CallState(TRANSFER_FAILED, language.code, contact=contact.key)
        return self.renderer.dial(spoken, contact, action=after.url("transfer/done"))

    def transfer_done(self, state: CallState, status: str | None, now: dt.datetime) -> str:
        """Twilio reports how a transfer went: end the call, or offer what else can be done."""
        log.info("transfer to %s ended: %s", state.contact, status)
        if status in ANSWERED:
            return self.renderer.hangup()
        contact = state.contact or self.config.routing.route_for(now).key
        return self.present(state.at(TRANSFER_FAILED, contact), now)

    def rescue(self, lang_code: str | None, now: dt.datetime) -> str:
        """The safety net: apologise and put the caller through to whoever answers now."""
        language = self.config.language(lang_code) or self.first_language
        try:
            contact = self.config.routing.route_for(now)
        except Exception:   # even the routing failed: the service that answers outside office hours
            log.exception("routing failed in the safety net")
            contact = self.config.routing.out_of_hours
        return self._rescue(language, contact)

    # -- parts ----------------------------------------------------------------
    def _rescue(self, language: Language, contact: Contact) -> str:
        return self.renderer.dial([Utterance("error.safety_net", language)], contact, action=None,
                                  afterwards=[Utterance("goodbye.numbers", language)])

    def _after_limit(self, state: CallState, now: dt.datetime) -> str:
        if self.config.input.after_limit == "goodbye":
            return self.renderer.hangup([Utterance("goodbye.numbers", self._language(state))])
        return self.transfer(state, now, lead=["transfer.after_limit"])

    def _language(self, state: CallState) -> Language:
        return self.config.language(state.lang) or self.first_language

    def _body(self, state: CallState, language: Language) -> list[Utterance]:
        if state.node == LANGUAGE_MENU:
            return []
        if state.node == TRANSFER_FAILED:
            return [Utterance(f"transfer_failed.{state.contact}", language),
                    Utterance("transfer_failed.danger", language)]
        node = self.menu.nodes[state.node]
        return [Utterance(node.say, language)] if node.say else []

    def _options(self, state: CallState, language: Language, now: dt.datetime) -> list[Utterance]:
        keys = self.menu.every_node
        every = [Utterance("option.repeat", language, keys["repeat"])]
        if self._parent(state) != state.node:
            every.append(Utterance("option.back", language, keys["back"]))
        if state.node == LANGUAGE_MENU:
            # Each language offers itself, in its own words and voice.
            return [Utterance("language.choose", lang, str(index))
                    for index, lang in enumerate(self.config.languages, start=1)]
        if state.node == TRANSFER_FAILED:
            failed = self.menu.transfer_failed
            options = [Utterance("option.try_again", language, failed["try_again"])]
            if self._urgent_offered(state, now):
                options.append(Utterance("option.urgent", language, failed["urgent"]))
            return options + every
        node = self.menu.nodes[state.node]
        options = [Utterance(option.say, language, option.key) for option in node.options]
        speak = Utterance("option.speak_to_someone", language, keys["speak_to_someone"])
        return options + [speak] + every

    def _action(self, state: CallState, key: str, now: dt.datetime) -> Action | None:
        if len(key) != 1:
            return None
        if state.node == LANGUAGE_MENU and key.isdigit() and 1 <= int(key) <= len(self.config.languages):
            return Action("language", self.config.languages[int(key) - 1].code)
        if state.node == TRANSFER_FAILED:
            failed = self.menu.transfer_failed
            if key == failed["try_again"]:
                return Action("speak_to_someone")
            if key == failed["urgent"] and self._urgent_offered(state, now):
                return Action("urgent")
        node = self.menu.node(state.node)
        if node is not None:
            return self.menu.action(node, key)
        return next((Action(kind) for kind, bound in self.menu.every_node.items() if bound == key), None)

    def _urgent_offered(self, state: CallState, now: dt.datetime) -> bool:
        """In office hours, a caller the day team could not take may try the emergency service."""
        return (self.config.hours.is_open(now)
                and state.contact != self.config.routing.out_of_hours.key)

    def _parent(self, state: CallState) -> str:
        """Where "back" goes from this node."""
        if state.node == LANGUAGE_MENU:
            return LANGUAGE_MENU
        if state.node == TRANSFER_FAILED:
            return self.menu.start
        node = self.menu.nodes[state.node]
        if node.parent:
            return node.parent
        return LANGUAGE_MENU if self.multilingual else node.id
