"""Everything the line can say, and where: the prompts it needs in every language, each utterance as
a call says it, the recordings a language spoken from recordings needs, and each place of a call as
the timing report measures it."""
from __future__ import annotations

from .. import pieces
from ..config import Language, LineConfig
from ..hours_words import PROMPTS as HOURS_PROMPTS
from ..words import ANY_AREA, Utterance, Wording
from .graph import Menu
from .script import ANSWERS, GREETING, POLICE, PRIVACY, SAY_OR_PRESS, Script
from .state import LANGUAGE_MENU, TRANSFER_FAILED, CallState
from .transfers import LINE_DOWN, Transfers

# Prompts never heard on their own: parts of other prompts, words to say, the text message.
NOT_SPOKEN_ALONE = ("key.", "keywords.", "choice.", "sms.", "hours.")
FIXED_PROMPTS = GREETING + (
    "welcome.young_person", *PRIVACY.values(), SAY_OR_PRESS, "welcome.every_key",
    "key.star", "key.hash", "choice.press",
    "option.repeat", "option.back",
    "keywords.speak_to_someone", "keywords.repeat", "keywords.back", "keywords.slower",
    "transfer.after_limit", "transfer_failed.danger", POLICE,
    "option.try_again", "option.urgent", "keywords.try_again", "keywords.urgent",
    "text.sent", "text.failed", "text.withheld", "text.not_mobile", "text.already_sent", "sms.body",
    "sms.sensitive_words", "sms.reply", *HOURS_PROMPTS, "keywords.refuse",
    "error.no_input", "error.wrong_key", "error.safety_net", LINE_DOWN, "goodbye.numbers",
)


class Inventory:
    """Worked out once each, when first asked for: the line's files do not change while it runs."""

    def __init__(self, config: LineConfig, menu: Menu, wording: Wording, script: Script, transfers: Transfers):
        self.config = config
        self.menu = menu
        self.wording = wording
        self.script = script
        self.transfers = transfers
        self._required: frozenset[str] | None = None
        self._utterances: dict[str, list[Utterance]] = {}
        self._recordings: dict[str, dict[str, str]] = {}

    def required_prompts(self) -> frozenset[str]:
        """Every prompt the line may say or send, in every language."""
        if self._required is None:
            self._required = frozenset(self._required_prompts())
        return self._required

    def _required_prompts(self) -> set[str]:
        config = self.config
        contacts = {contact.key for _, contact in config.routes.contacts()}
        required = set(FIXED_PROMPTS) | self.menu.prompt_ids(config.several_areas)
        required |= {f"transfer.{key}" for key in contacts} | {f"transfer_failed.{key}" for key in contacts}
        required |= {prompt for area in config.every_area() for _, prompt in self.script.also_prompts(area.key)}
        required |= {ANSWERS + key for key in contacts} & self.script.answers_sayable
        if config.multilingual:
            required |= {"language.choose", "keywords.language"}
        if config.several_areas:   # what may be said while the caller's area is not known, in its twin
            unknown = config.no_area
            only_in_areas = {f"{kind}.{key}" for key in contacts - set(unknown.contacts)
                             for kind in ("transfer", "transfer_failed")}
            required |= {prompt + ANY_AREA for prompt in required - only_in_areas
                         if self.wording.needs_twin(prompt, unknown)}
        return required

    def utterances(self, language: Language) -> list[Utterance]:
        """Everything the line can say on its own in ``language``, as a call says it (a prompt that
        says an area's number: once for each area)."""
        if language.code not in self._utterances:
            self._utterances[language.code] = self._utterances_in(language)
        return list(self._utterances[language.code])

    def recordings(self, language: Language) -> dict[str, str]:
        """Every recording that lets ``language`` be spoken from recordings (ivr/pieces.py), name ->
        its words: the sentences and segments of its translated prompts, every digit, and what any
        hours need, so that a new number or new hours in line.yaml need no new recordings."""
        if language.code not in self._recordings:
            found = {}
            for utterance in self.utterances(language):
                if self.wording.catalog.has(utterance.prompt, language.code):
                    found.update(pieces.unique(self.wording.pieces(utterance)))
            found.update(pieces.unique(self.wording.spare_pieces(language)))
            self._recordings[language.code] = found
        return dict(self._recordings[language.code])

    def _utterances_in(self, language: Language) -> list[Utterance]:
        keys, numbers = self.script.option_keys, self.config.numbers
        found = {}
        for prompt in sorted(self.required_prompts()):
            if prompt.startswith(NOT_SPOKEN_ALONE) or (prompt == SAY_OR_PRESS and not language.listens):
                continue
            if prompt == "language.choose":
                if language.on_menu:
                    found[prompt] = self.script.offer(self.script.language_choice(language))
                continue
            for area in self.config.every_area():
                kind, _, contact = prompt.partition(".")
                if kind in ("transfer", "transfer_failed") and contact in numbers \
                        and contact not in area.contacts:
                    continue   # nobody is put through to that contact from this area
                said = self.wording.said(prompt, language, area.key, keys.get(prompt))
                found.setdefault(said.version, said)
        return list(found.values())

    def places(self, language: Language) -> list[tuple[str, str, list[Utterance]]]:
        """Each place of a call in ``language`` as (budget kind, name, what is said there), for the
        timing report; "opening" is what a caller hears before pressing the language's key."""
        script, config = self.script, self.config
        found = []
        start = CallState(self.menu.start, language.code)
        if config.multilingual and language.on_menu:
            menu = CallState(LANGUAGE_MENU, config.first_language.code)
            offered = script.menu_words(menu, GREETING)
            mine = next(i for i, u in enumerate(offered) if u.prompt == "language.choose" and u.language == language)
            found.append(("opening", "", offered[:mine + 1]))
            if language == config.first_language:
                greeting = len(GREETING)
                found.append(("message", "greeting", offered[:greeting]))
                found.append(("language_menu", "language menu", offered[greeting:]))
            lead = ()
        else:
            lead = GREETING
        # at the hour when most is said: when 0 reaches a contact with words for it (out of hours)
        answering = next((contact.key for _, contact in config.routes.contacts()
                          if ANSWERS + contact.key in script.answers_sayable), None)
        first = script.menu_words(start, lead, welcome=True, answering=answering)
        found.append(("after_language", "", first))
        before, after = script.welcome_prompts(start, lead, answering)
        options_end = len(first) - len(after)
        found.append(("first_menu", "the first menu, to its last option", first[:options_end]))
        found.append(("menu", "main menu, the first time", first[len(lead) + len(before):options_end]))
        found.append(("message", "said once a call, after the first menu's options", first[options_end:]))
        asked = [node for node in self.menu.nodes.values()   # (the area question only where it is asked)
                 if config.several_areas or node.id not in self.menu.area_nodes]
        for node in asked:
            kind = "menu" if node.is_menu else "message"
            found.append((kind, f"{kind} {node.id}", script.menu_words(CallState(node.id, language.code))))
        measured = set()
        for area, contact in config.routes.contacts():
            if (contact.key, contact.spoken) in measured:
                continue   # the same words as in another area
            measured.add((contact.key, contact.spoken))
            name = f"{contact.key} ({area.key})" if contact.key in self.wording.area_numbers else contact.key
            failed = CallState(TRANSFER_FAILED, language.code, contact=contact.key, area=area.key)
            urgent = contact != area.routing.out_of_hours
            # what happened (sorry, their number, 999) is a message; then the choices, a menu
            told, options = script.body(failed, language), script.menu_words(failed, urgent=urgent, options_only=True)
            found.append(("message", f"after a failed transfer to {name}: what happened", told))
            found.append(("menu", f"after a failed transfer to {name}: the choices", options))
            found.append(("before_transfer", f"before a transfer to {name}", self.transfers.words(failed)))
            found.append(("before_transfer", f"before a transfer to {name}, after too many tries",
                          self.transfers.words(failed, ["transfer.after_limit"])))
        return found
