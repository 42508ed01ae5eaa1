"""What is said at each place of a call, and what can be chosen there, in each language.

Pure: given a place (a CallState), the words in order and the choices, with their keys and the
words that choose them. The words that choose each option (keywords.<option>) and the choices of
every place, in every language, are made once, when the line is built.
"""
from __future__ import annotations

from typing import Iterable

from babel import Locale

from ..catalog import Catalog
from ..config import Language, LineConfig
from ..words import Listening, Utterance, Wording
from . import matching
from .actions import EVERY_NODE, Action
from .graph import NOT_SURE, Menu, Option
from .matching import Choice
from .state import LANGUAGE_MENU, TRANSFER_FAILED, CallState

PERSON = "option.speak_to_someone"   # the way to a person: first in the greeting and on the main menu
# The first words of every call, in the first language: the way to a person first.
GREETING = ("greeting.welcome", PERSON, "greeting.danger")
PRIVACY = {True: "privacy.number_hidden", False: "privacy.number_shown"}   # by transfer.caller_id being set
SAY_OR_PRESS = "welcome.say_or_press"
ALSO = "transfer_failed.also."   # + a contact: "you can also call ...", said only while it is open
ANSWERS = "welcome.answers."     # + a contact: said once a call while it is the one 0 reaches (who, and for what)
POLICE = "transfer_failed.police"   # after a failed transfer: urgent means the police
KEYWORDS = "keywords."
REFUSE = "keywords.refuse"


def language_names(languages: Iterable[Language], teams: Language) -> dict[str, str]:
    """Each language's name in the teams' language, for the whisper ("The caller chose Polish"):
    CLDR's names through Babel, of the teams' locale only (no data loaded per language)."""
    names = Locale.parse(teams.locale).languages
    return {lang.code: names.get(lang.primary, lang.code) for lang in languages}


class Script:
    """``texts_offered``: whether the "send me these numbers by text" option is offered."""

    def __init__(self, config: LineConfig, menu: Menu, catalog: Catalog, wording: Wording, texts_offered: bool):
        self.config = config
        self.menu = menu
        self.wording = wording
        self.texts_offered = texts_offered
        self.first_language = config.first_language
        self.privacy = PRIVACY[config.transfer.caller_id is not None]
        self.option_keys = self._option_keys()
        self.also_sayable = frozenset(prompt for prompt in catalog.source if prompt.startswith(ALSO))
        self.answers_sayable = frozenset(prompt for prompt in catalog.source if prompt.startswith(ANSWERS))
        # The words that choose each option, per language: a catalog read once, here.
        self._keywords = {(prompt, language.code): matching.keywords(catalog.text(prompt, language.code))
                          for language in config.languages for prompt in catalog.source
                          if prompt.startswith(KEYWORDS) and catalog.has(prompt, language.code)}
        places = (*menu.nodes, LANGUAGE_MENU, TRANSFER_FAILED)
        # Each choice, list of choices and list of hints is kept once, however many places have it
        # (the same few recur at every place, with and without the urgent option): a worker's memory.
        kept: dict = {}

        def once(value):
            return kept.setdefault(value, value)
        self._choices = {(node_id, language.code, urgent):
                         once(tuple(once(choice) for choice in self._list_choices(node_id, language, urgent)))
                         for node_id in places for language in config.languages for urgent in (False, True)}
        # Every word that chooses something at each place, as the recogniser's hints.
        self._hints = {place: once(tuple(word for choice in choices for word in choice.keywords))
                       for place, choices in self._choices.items()}

    def language(self, state: CallState) -> Language:
        return self.config.language(state.lang) or self.first_language

    # -- what is said ----------------------------------------------------------------
    def menu_words(self, state: CallState, lead: Iterable[str] = (), options_only: bool = False,
                   urgent: bool = False, welcome: bool = False, open_now: frozenset[str] | None = None,
                   answering: str | None = None) -> list[Utterance]:
        """Everything said at a place, in order: what the caller hears (and the timing report measures).
        ``welcome``: the first menu of a call, which opens with the way to a person and 999 and ends,
        after its options, with what is said once a call; ``answering``: the contact 0 reaches now.
        ``open_now``: the contacts open now (``body``)."""
        language = self.language(state)
        keys = self.option_keys
        first, after = self.welcome_prompts(state, tuple(lead), answering) if welcome else ((), ())
        said = tuple(lead) + first
        spoken = [self.wording.said(prompt, language, state.area, keys.get(prompt)) for prompt in said]
        if not options_only:
            spoken += self.body(state, language, open_now)
        choices = self.choices(state.node, language, urgent)
        spoken += [self.offer(choice) for choice in choices if choice.prompt and choice.prompt not in said]
        spoken += [self.wording.said(prompt, language, state.area, keys.get(prompt)) for prompt in after]
        return spoken

    def welcome_prompts(self, state: CallState, lead: tuple[str, ...] = (), answering: str | None = None
                        ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Said once a call, in the caller's language, around the first menu: before its options, the
        way to a person and 999 (unless ``lead``, the greeting, has just said them), and what 0 is for
        at this hour where the contact it reaches has words for it (``answering``: out of hours, an
        emergency-only service); after them, a word to a young person, what the team will see, and
        how to choose."""
        answers = ANSWERS + (answering or "")
        first = tuple(prompt for prompt in (PERSON, "greeting.danger") if prompt not in lead) \
            + ((answers,) if answers in self.answers_sayable else ())
        after = ("welcome.young_person", self.privacy)
        if self.listening(state, self.language(state)):
            after += (SAY_OR_PRESS,)
        return first, after + ("welcome.every_key",)

    def body(self, state: CallState, language: Language, open_now: frozenset[str] | None = None) -> list[Utterance]:
        """What a place says before its options: a message, a menu's opening words. After a failed
        transfer: what happened, every other service that may help and is open now (``open_now``,
        the contacts open now; None: all, the longest, which the timing report measures), the
        police for what is urgent, and 999."""
        if state.node == LANGUAGE_MENU:
            return []
        if state.node == TRANSFER_FAILED:
            also = [self.wording.said(prompt, language, state.area) for key, prompt in self.also_prompts(state.area)
                    if key != state.contact and (open_now is None or key in open_now)]
            return [self.wording.said(f"transfer_failed.{state.contact}", language, state.area), *also,
                    Utterance(POLICE, language), Utterance("transfer_failed.danger", language)]
        node = self.menu.nodes[state.node]
        return [self.wording.said(node.say, language, state.area)] if node.say else []

    def also_prompts(self, area: str | None) -> list[tuple[str, str]]:
        """(contact, prompt) of each contact of ``area`` that has words for "you can also call"
        (transfer_failed.also.<contact>)."""
        return [(key, ALSO + key) for key in self.config.routes.area(area).contacts if ALSO + key in self.also_sayable]

    @staticmethod
    def offer(choice: Choice) -> Utterance:
        """The prompt that offers a choice, with its key: "Warning signs: press 2"."""
        return Utterance(choice.prompt, choice.language, choice.key)

    def listening(self, state: CallState, language: Language) -> Listening | None:
        """Whether this place takes spoken choices, and in which language Twilio hears them."""
        hearing = self.first_language if state.node == LANGUAGE_MENU else language
        return Listening(hearing.speech, ()) if hearing.listens else None

    def hints(self, state: CallState, language: Language, urgent: bool) -> Listening | None:
        """``listening``, with every word that chooses something here as hints for the recogniser."""
        listening = self.listening(state, language)
        if not listening:
            return None
        return Listening(listening.language, self._hints[(state.node, language.code, urgent)])

    # -- what can be chosen -------------------------------------------------------------
    def choices(self, node_id: str, language: Language, urgent: bool) -> tuple[Choice, ...]:
        """Everything that can be chosen at a place; those with a prompt are announced, in this order.
        ``urgent``: after a failed transfer, whether the out-of-hours service is offered."""
        return self._choices[(node_id, language.code, urgent)]

    def _list_choices(self, node_id: str, language: Language, urgent: bool) -> tuple[Choice, ...]:
        """Menus announce the way to a person first, then their options; after a message, what
        comes next (more, a person, back). Star, hash and 9 are explained once a call
        (welcome.every_key) and work everywhere."""
        def every(kind: str, announced: bool = False) -> Choice:
            return self._choice(self.menu.every_node[kind], Action(kind), language, f"option.{kind}", announced)

        quiet = {kind: every(kind) for kind in EVERY_NODE}
        if node_id == LANGUAGE_MENU:
            return tuple([self.language_choice(lang) for lang in self.config.menu_languages] + list(quiet.values()))
        if node_id == TRANSFER_FAILED:
            failed = self.menu.transfer_failed
            options = [self._choice(failed["try_again"], Action("speak_to_someone"), language, "option.try_again")]
            if urgent:
                options.append(self._choice(failed["urgent"], Action("urgent"), language, "option.urgent"))
            return tuple(options + [quiet["speak_to_someone"], quiet["repeat"], quiet["back"], quiet["slower"]])
        node = self.menu.nodes[node_id]
        if not node.is_menu:
            first = [self._choice(self.menu.more_key, Action("go", node.more), language, "option.more")] if node.more else []
            announced = [every(kind, announced=True) for kind in ("speak_to_someone", "back")]
            return tuple(first + announced + [quiet["repeat"], quiet["slower"]])
        options = [self._choice(option.key, self.menu.action(node, option.key), language, option.say)
                   for option in node.options if self.offered(option)]
        person, sooner = every("speak_to_someone", announced=True), []
        if node.id in self.menu.area_nodes:
            # The way to a person here is "not sure"; and a town of a later question, said now,
            # chooses its area at once (no key: said only).
            person = Choice(person.key, Action("not_sure"), language, NOT_SURE,
                            self.keywords(NOT_SURE, language) + person.keywords)
            sooner = [self._choice("", Action("area", o.area), language, o.say, announced=False)
                      for o in self.menu.areas_below(node.id)]
        return tuple([person] + sooner + options + [quiet["repeat"], quiet["back"], quiet["slower"]])

    def _choice(self, key: str, action: Action, language: Language, prompt: str, announced: bool = True) -> Choice:
        return Choice(key, action, language, prompt if announced else None, self.keywords(prompt, language))

    def _option_keys(self) -> dict[str, str]:
        """The key each option prompt offers, wherever it is said."""
        keys = {option.say: option.key for node in self.menu.nodes.values() for option in node.options}
        keys.update({f"option.{kind}": key for kind, key in self.menu.every_node.items()})
        keys.update({f"option.{kind}": key for kind, key in self.menu.transfer_failed.items()})
        keys["option.more"] = self.menu.more_key
        keys[NOT_SURE] = self.menu.every_node["speak_to_someone"]
        return keys

    def offered(self, option: Option) -> bool:
        target = self.menu.node(option.go)
        return not (target and target.needs == "texting" and not self.texts_offered)

    def keywords(self, option_prompt: str, language: Language) -> tuple[str, ...]:
        """The words that choose an option (keywords.<option>); none while a translation is missing
        (only the tools build a line that lacks one)."""
        return self._keywords.get((option_prompt.replace("option.", KEYWORDS, 1), language.code), ())

    def refusals(self, language: Language) -> tuple[str, ...]:
        """Words that refuse (keywords.refuse): said with an option that does something, it is not done."""
        return self._keywords.get((REFUSE, language.code), ())

    def language_choice(self, language: Language) -> Choice:
        """A language offers itself in its own words, and is chosen by saying its name
        (keywords.language in its own catalog: "polski, po polsku, Polish")."""
        key = self.config.menu_key(language)
        names = self.keywords("keywords.language", language)
        return Choice(key, Action("language", language.code), language, "language.choose", names)

    # -- where "back" goes ------------------------------------------------------------------
    def parent(self, state: CallState) -> str:
        if state.node == LANGUAGE_MENU:
            return LANGUAGE_MENU
        if state.node == TRANSFER_FAILED:
            return self.menu.start
        node = self.menu.nodes[state.node]
        if node.parent:
            return node.parent
        if node.id == self.menu.area_question:
            return self.menu.start
        return LANGUAGE_MENU if self.config.multilingual else node.id
