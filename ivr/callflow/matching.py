"""Matching what a caller pressed or said to the choices they have where they are.

A spoken choice is matched by its keywords (the translatable prompts
keywords.<option>), whole words within whatever the caller said; the longest
matching keyword wins, so "try again" beats "again". A number said on its own
("2", or "٢" in Arabic-Indic digits) chooses that key. Anything else is no choice: a wrong key. Words that refuse
(keywords.refuse: "no", "don't") keep an option that does something (send the text)
from being chosen by speech: "no, don't send it" sends nothing. Nor is it chosen when the caller
said anything besides its own keywords: "yes, my husband" or "yes, but my partner checks my phone"
may be a reason not to, in words no list foresees, so the caller is asked again (keys always work);
its keywords list the ways of agreeing, courtesy words included ("yes, please, send it"), and such
a word said with another option's ("back please") leaves that option to be chosen.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from ..config import Language
from .actions import OPTION_ACTIONS, Action

NOT_A_WORD = re.compile(r"[\W_]+")


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
    """Keywords of one choice found within another's (after normalising): a caller saying more than
    the longer one ("try again now" for "try again") could be heard as the shorter ("again").
    (said within, choice's word) pairs. Harmless, and not listed, when the rest of the longer one
    holds a keyword of its own choice longer than the shorter ("try" beside "again"): whatever the
    caller says around them, the longest keyword found is still the longer one's choice's. Nor
    when the shorter is an action's and the longer holds other words: an action is chosen only
    when all that was said is its own words ("back please" is not sending, though "please" is)."""
    found = []
    options = list(options)
    for choice in options:
        for other in options:
            if other is choice or other.action == choice.action:
                continue
            own = spoken(other.keywords)
            for word, shorter in zip(choice.keywords, own_words(choice.keywords)):
                for longer, longer_said in zip(other.keywords, own_words(other.keywords)):
                    if choice.action.kind in OPTION_ACTIONS and besides(longer_said, choice.keywords):
                        continue
                    if shorter.strip() and shorter in longer_said and not any(
                            len(word_of_its_own) > len(shorter) and word_of_its_own in longer_said.replace(shorter, " ")
                            for word_of_its_own in own):
                        found.append((longer, word))
    return found


def by_key(choices: Iterable[Choice], key: str) -> Choice | None:
    return next((choice for choice in choices if choice.key == key), None)


def by_speech(choices: Iterable[Choice], speech: str, refusals: tuple[str, ...] = ()) -> Choice | None:
    choices = list(choices)
    said = normalise(speech)
    if said.strip().isdigit():   # in any script: an Arabic recogniser may write "2" as "٢"
        return by_key(choices, "".join(str(unicodedata.digit(c)) for c in said.strip()))
    refused = any(word in said for word in spoken(refusals))
    best, longest = None, 0
    for choice in choices:
        if choice.action.kind in OPTION_ACTIONS and (refused or besides(said, choice.keywords)):
            continue   # "no, don't send it", "yes, my husband": an action is taken only on its own words
        for wanted in spoken(choice.keywords):
            if wanted in said and len(wanted) > longest:
                best, longest = choice, len(wanted)
    return best


def besides(said: str, words: tuple[str, ...]) -> list[str]:
    """The words of what was said (normalised) that are not among these keywords."""
    for word in sorted(spoken(words), key=len, reverse=True):
        while word in said:
            said = said.replace(word, " ")
    return said.split()


@lru_cache(maxsize=4096)
def own_words(words: tuple[str, ...]) -> tuple[str, ...]:
    """Keywords as compared (normalise), one for each, in order."""
    return tuple(normalise(word) for word in words)


@lru_cache(maxsize=4096)
def spoken(words: tuple[str, ...]) -> tuple[str, ...]:
    """The keywords (or words that refuse) as compared, those with a word in them: normalised once
    for all the calls that hear them (they come from the catalogs, never from a caller)."""
    return tuple(word for word in own_words(words) if word.strip())
