"""Matching what a caller pressed or said to the choices they have where they are.

A spoken choice is matched by its keywords (the translatable prompts
keywords.<option>), whole words within whatever the caller said; the longest
matching keyword wins, so "try again" beats "again". A number said on its own
("2", or "٢" in Arabic-Indic digits) chooses that key. Anything else is no choice: a wrong key. Words that refuse
(keywords.refuse: "no", "don't") keep an option that does something (send the text)
from being chosen by speech: "no, don't send it" sends nothing. Nor is it chosen when the caller
said more than a couple of words besides its keywords: "yes, but my partner checks my phone" may be
a reason not to, in words no list foresees, so the caller is asked again (keys always work).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from ..config import Language
from .actions import OPTION_ACTIONS, Action

NOT_A_WORD = re.compile(r"[\W_]+")
BESIDES_AN_ACTION = 2   # words said besides an action's keywords, at most: "yes please send it"


@dataclass(frozen=True)
class Choice:
    key: str
    action: Action
    language: Language            # the language it is offered in (on the language menu, its own)
    prompt: str | None = None     # the option prompt that offers it; None: it works but is not announced
    keywords: tuple[str, ...] = ()


def keywords(text: str) -> tuple[str, ...]:
    """ "warning signs, signs, warning" -> ("warning signs", "signs", "warning")"""
    return tuple(word.strip() for word in text.split(",") if word.strip())


def normalise(text: str) -> str:
    """Words as compared: case, accents and Arabic vowel marks do not matter ("Română" is "romana",
    "مُساعدة" is "مساعدة"), nor punctuation; the recogniser may return either form."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
    plain = plain.replace("ł", "l").replace("đ", "d").replace("ø", "o").replace("ß", "ss")   # not decomposed
    return f" {' '.join(NOT_A_WORD.sub(' ', plain).split())} "


def overlaps(options: Iterable[Choice]) -> list[tuple[str, str]]:
    """Keywords of one choice found within another's (after normalising): a caller saying the
    longer one could be heard as the shorter. (said within, choice's word) pairs."""
    found = []
    options = list(options)
    for choice in options:
        for other in options:
            if other is choice or other.action == choice.action:
                continue
            for word in choice.keywords:
                for longer in other.keywords:
                    if normalise(word).strip() and normalise(word) in normalise(longer):
                        found.append((longer, word))
    return found


def by_key(choices: Iterable[Choice], key: str) -> Choice | None:
    return next((choice for choice in choices if choice.key == key), None)


def by_speech(choices: Iterable[Choice], speech: str, refusals: tuple[str, ...] = ()) -> Choice | None:
    choices = list(choices)
    said = normalise(speech)
    if said.strip().isdigit():   # in any script: an Arabic recogniser may write "2" as "٢"
        return by_key(choices, "".join(str(unicodedata.digit(c)) for c in said.strip()))
    best, longest = None, 0
    for choice in choices:
        for word in choice.keywords:
            wanted = normalise(word)
            if wanted.strip() and wanted in said and len(wanted) > longest:
                best, longest = choice, len(wanted)
    if best is not None and best.action.kind in OPTION_ACTIONS and (
            any(normalise(word).strip() and normalise(word) in said for word in refusals)
            or len(besides(said, best.keywords)) > BESIDES_AN_ACTION):
        return None   # "no, don't send it": an action is never taken on words that refuse it
    return best


def besides(said: str, words: Iterable[str]) -> list[str]:
    """The words of what was said (normalised) that are not among these keywords."""
    for word in sorted((normalise(word) for word in words), key=len, reverse=True):
        while word.strip() and word in said:
            said = said.replace(word, " ")
    return said.split()
