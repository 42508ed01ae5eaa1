"""What each prompt says in each language.

English, the source, is read from prompts/en.yaml; every other language from its
gettext catalog, locales/<locale>/LC_MESSAGES/ivr.po, where each entry's message
context is the prompt id. A language that lacks a prompt is refused at start-up
(ivr/checks.py): the line never falls back to English mid-call.
"""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

from babel.messages.pofile import read_po

from .config import Language
from .files import ConfigError, read_yaml

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PLACEHOLDERS = {"key", "choice", "language"}   # filled by the line itself, with {key_<kind>}; the rest are numbers and links
SOURCE_LANGUAGE = "en"   # prompts/en.yaml speaks for every en-* language
DOMAIN = "ivr"


@dataclass(frozen=True)
class SourcePrompt:
    id: str
    text: str
    note: str


def tidy(text: str) -> str:
    """Spaces made single; line breaks kept (the text message is one item a line: a YAML literal
    block in prompts/en.yaml, "\\n" in a catalog), blank lines dropped. A spoken prompt is one line
    (a folded YAML block), so it is said as written."""
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def read_source(path: Path) -> dict[str, SourcePrompt]:
    raw = read_yaml(path) or {}
    problems, prompts = [], {}
    for prompt_id, body in raw.items():
        if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"].strip():
            problems.append(f"{prompt_id}.text: is missing")
            continue
        prompts[prompt_id] = SourcePrompt(prompt_id, tidy(body["text"]), " ".join(str(body.get("note", "")).split()))
    if problems:
        raise ConfigError(str(path), problems)
    return prompts


def is_source(language: Language) -> bool:
    """English is spoken from prompts/en.yaml itself; every other language from its catalog."""
    return language.primary == SOURCE_LANGUAGE


def catalog_path(locales_dir: Path, language: Language) -> Path:
    return locales_dir / language.locale / "LC_MESSAGES" / f"{DOMAIN}.po"


class Catalog:
    def __init__(self, source: Mapping[str, SourcePrompt], texts: Mapping[str, Mapping[str, str]],
                 fuzzy: Mapping[str, frozenset[str]] = MappingProxyType({})):
        self.source = source
        self._texts = texts   # language code -> prompt id -> text
        self._fuzzy = fuzzy   # language code -> prompt ids whose English changed since translated

    @classmethod
    def load(cls, prompts_dir: Path, locales_dir: Path, languages: Iterable[Language]) -> "Catalog":
        source = read_source(prompts_dir / f"{SOURCE_LANGUAGE}.yaml")
        english = {pid: p.text for pid, p in source.items()}
        texts, fuzzy = {}, {}
        for language in languages:
            if is_source(language):
                texts[language.code] = english
            else:
                texts[language.code], fuzzy[language.code] = _read_translations(catalog_path(locales_dir, language))
        return cls(MappingProxyType(source), MappingProxyType(texts), MappingProxyType(fuzzy))

    def text(self, prompt_id: str, language_code: str) -> str:
        return self._texts[language_code][prompt_id]

    def has(self, prompt_id: str, language_code: str) -> bool:
        return bool(self._texts.get(language_code, {}).get(prompt_id))

    def drafts(self, language_code: str) -> frozenset[str]:
        """The prompts of a language whose translation was made for English that has changed since."""
        return self._fuzzy.get(language_code, frozenset())

    def is_fuzzy(self, prompt_id: str, language_code: str) -> bool:
        """Whether the translation was made for English that has changed since (spoken only as a
        draft, in development: ivr/checks.py withholds its language from callers)."""
        return prompt_id in self._fuzzy.get(language_code, ())


def _read_translations(path: Path) -> tuple[Mapping[str, str], frozenset[str]]:
    """The translations of a catalog, and which of them are fuzzy (never to be spoken)."""
    if not path.is_file():
        return MappingProxyType({}), frozenset()
    try:
        return _parse_translations(path.read_bytes())
    except Exception as error:   # bad UTF-8, a broken entry: one line naming the file, not a traceback
        reason = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        raise ConfigError(str(path), [f"is not a readable gettext catalog ({reason}): fix it in Poedit, "
                                      "or restore it from git"]) from None


# What each catalog holds, kept by its content: the commands and the tests build the line several
# times in one process, and Babel's parser is the slowest part of a start. Keyed by the SHA-256 of
# the file, not its bytes, so that a worker does not keep every catalog file besides what was read
# from it. (Read-only: the result is shared.)
_PARSED: dict[bytes, tuple[Mapping[str, str], frozenset[str]]] = {}
_KEPT = 64


def _parse_translations(data: bytes) -> tuple[Mapping[str, str], frozenset[str]]:
    digest = hashlib.sha256(data).digest()
    if digest not in _PARSED:
        while len(_PARSED) >= _KEPT:
            del _PARSED[next(iter(_PARSED))]   # the oldest
        _PARSED[digest] = _parse(data)
    return _PARSED[digest]


def _parse(data: bytes) -> tuple[Mapping[str, str], frozenset[str]]:
    po = read_po(io.BytesIO(data), abort_invalid=True)
    texts = {m.context: tidy(m.string) for m in po
             if m.id and m.context and isinstance(m.string, str) and m.string.strip()}
    return MappingProxyType(texts), frozenset(m.context for m in po if m.id and m.context in texts and m.fuzzy)
