"""The line's files, read: line.yaml, the menu, the words in every language and the recordings;
and what is built from them, the engine that answers calls and the inventory of what it can say.

Reading stops at a file that cannot be read into the line's objects (ConfigError, one line per
problem). Whether what was read makes a line that may start is ivr/checks.py's question.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

from .callflow.engine import Engine
from .callflow.graph import Menu
from .callflow.graph import load as load_menu
from .callflow.inventory import Inventory
from .callflow.script import Script
from .catalog import Catalog
from .config import Language, LineConfig
from .config_reader import load as load_config
from .recordings import Recordings
from .texting import Texter
from .words import Wording

AUDIO_DIR = "prompts/audio"


@dataclass(frozen=True)
class LineFiles:
    root: Path
    config: LineConfig
    menu: Menu
    catalog: Catalog
    recordings: Recordings
    # Languages held back from callers until they are ready (ivr/checks.py): code -> why
    withheld: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    @functools.cached_property
    def wording(self) -> Wording:
        return Wording(self.config, self.catalog, self.menu.every_node)

    @property
    def first_language(self) -> Language:
        return self.config.first_language

    def engine(self, texter: Texter | None = None, texts_offered: bool | None = None) -> Engine:
        """The engine that answers calls: with ``texter``, texts are offered when it can send them
        (``texts_offered`` says otherwise: the timing report measures them as line.yaml sets them up)."""
        offered = texter is not None and texter.ready if texts_offered is None else texts_offered
        return Engine(self.config, self.menu, self.script(offered), self.wording, texter)

    def script(self, texts_offered: bool) -> Script:
        """What is said and can be chosen at each place, made once for these files: the line's own
        and the inventory's are one, unless texts line.yaml sets up cannot be sent (then callers are
        not offered them, and the inventory still lists them)."""
        if texts_offered not in self._scripts:
            self._scripts[texts_offered] = Script(self.config, self.menu, self.catalog, self.wording, texts_offered)
        return self._scripts[texts_offered]

    @functools.cached_property
    def _scripts(self) -> dict[bool, Script]:
        return {}

    @functools.cached_property
    def inventory(self) -> Inventory:
        """What the line can say, with every option line.yaml sets up offered (texts included)."""
        engine = self.engine(texts_offered=self.config.texting is not None)
        return Inventory(self.config, self.menu, self.wording, engine.script, engine.transfers)

    @functools.cached_property
    def stale(self) -> tuple[tuple[str, str], ...]:
        """(language, prompt) of each recording whose words are no longer what the prompt says."""
        return tuple(self._stale_recordings())

    def _stale_recordings(self) -> list[tuple[str, str]]:
        return [(language.code, name) for language in self.config.languages if self.recordings.of(language.code)
                for name, words in sorted(self.inventory.recordings(language).items())
                if (rec := self.recordings.get(language.code, name)) and rec.text != words]

    def without_languages(self, why: Mapping[str, list[str]]) -> "LineFiles":
        """These files with some languages held back from callers (code -> the problems that keep it
        back): off the language menu, and a number of line.yaml that answers in one of them answers
        in the first language instead."""
        config, first = self.config, self.config.first_language.code
        kept = tuple(language for language in config.languages if language.code not in why)
        called = {number: (first if code in why else code) for number, code in config.called_numbers.items()}
        keys = {language.code: config.menu_key(language) for language in kept if language.on_menu}
        config = replace(config, languages=kept, called_numbers=MappingProxyType(called),
                         menu_keys=MappingProxyType(keys))
        withheld = {**self.withheld, **{code: tuple(found) for code, found in why.items()}}
        return replace(self, config=config, withheld=MappingProxyType(withheld))

    def without_recordings(self, unused: Iterable[tuple[str, str]]) -> "LineFiles":
        """These files with some recordings set aside ((language, prompt) pairs): spoken instead."""
        return replace(self, recordings=self.recordings.without(unused))


def read(root: Path, config_path: Path) -> LineFiles:
    config = load_config(config_path)
    menu = load_menu(root / "prompts" / "menu.yaml")
    catalog = Catalog.load(root / "prompts", root / "locales", config.languages)
    recordings = Recordings.load(root / AUDIO_DIR, [lang.code for lang in config.languages])
    return LineFiles(root, config, menu, catalog, recordings)
