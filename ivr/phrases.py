"""What callers really say, as tests the translators own: per language, the phrases people use for
each option and each key that works everywhere, and where each must lead. `check` runs them
through the line's own matcher (callflow/matching.py) at the places they name.

A language's phrases live beside its catalog, ``locales/<locale>/phrases.yaml`` (English:
``prompts/phrases.yaml``)::

    every_menu:                 # tried at every menu and after every message (the area question apart)
      speak_to_someone: [I want to talk to someone, can I speak to a person, ...]
      repeat: [...]
    main:                       # a place of prompts/menu.yaml, or transfer_failed
      warning_signs: [what are the signs, ...]

Where a phrase leads is named as its option is (warning_signs for option.warning_signs) or, for a
key that works everywhere, by what it does (repeat, back, slower, speak_to_someone).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .catalog import catalog_path, is_source
from .callflow.matching import by_speech
from .callflow.state import TRANSFER_FAILED
from .files import read_yaml

if TYPE_CHECKING:
    from .config import Language
    from .line_files import LineFiles

EVERY_MENU = "every_menu"
NOTHING = "nothing"   # phrases that must choose nothing ("no, don't send it")
FILE = "phrases.yaml"


def path_of(root: Path, language: "Language") -> Path:
    if is_source(language):
        return root / "prompts" / FILE
    return catalog_path(root / "locales", language).parent.parent / FILE


def target_of(choice) -> str:
    """Where a choice leads, as phrase files name it."""
    return choice.prompt.removeprefix("option.") if choice.prompt else choice.action.kind


def problems(files: "LineFiles") -> list[str]:
    """One line per phrase that chooses nothing or the wrong thing, naming the language, the
    place, the phrase, where it should lead and where it went."""
    found, missed = [], {}   # (language, phrase, target, where it went) -> places
    script, menu = files.inventory.script, files.menu
    places = [node for node in menu.nodes if node not in menu.area_nodes] + [TRANSFER_FAILED]
    for language in files.config.languages:
        if not language.listens:
            continue
        path = path_of(files.root, language)
        if not path.is_file():
            found.append(f"language {language.code}: {path.relative_to(files.root)}: is missing (the phrases "
                         "callers say, with where each must lead)")
            continue
        wanted = read_yaml(path) or {}
        for place, targets in wanted.items():
            where = places if place == EVERY_MENU else [place]
            if place != EVERY_MENU and place not in places:
                found.append(f"language {language.code}: {FILE}: {place!r} is not a place of the call")
                continue
            for target, said in (targets or {}).items():
                for node in where:
                    choices = script.choices(node, language, urgent=True)
                    if target != NOTHING and target not in {target_of(choice) for choice in choices}:
                        if place != EVERY_MENU:
                            found.append(f"language {language.code}: {FILE}: {target!r} is not offered at {node}")
                        continue
                    for phrase in said or ():
                        if not isinstance(phrase, str):
                            found.append(f"language {language.code}: {FILE}: {phrase!r} under {target} is not "
                                         "text (YAML reads yes, no, on, off as true or false): put it in quotes")
                            continue
                        chosen = by_speech(choices, phrase, script.refusals(language))
                        went = target_of(chosen) if chosen else None
                        if went != (None if target == NOTHING else target):
                            missed.setdefault((language.code, phrase, target, went), []).append(node)
    for (code, phrase, target, went), nodes in missed.items():
        at = ", ".join(nodes[:3]) + (f" and {len(nodes) - 3} more places" if len(nodes) > 3 else "")
        found.append(f"language {code}: {phrase!r} (for {target}) "
                     + (f"leads to {went}" if went else "chooses nothing") + f" at {at}")
    return found
