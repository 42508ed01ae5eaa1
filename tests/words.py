"""What the shipped line says in each language, read straight from its files, for tests that
compare what a caller hears with what the translators wrote."""
from functools import lru_cache

import yaml
from babel.messages.pofile import read_po

from .conftest import ROOT

LOCALES = {"pt-PT": "pt_PT"}
KEY_NAMES = {"*": "key.star", "#": "key.hash"}


def _lines(text: str) -> str:
    # Spaces made single; the text message's lines kept, one item a line.
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


@lru_cache(maxsize=None)
def _catalog(code: str) -> dict[str, str]:
    if code.startswith("en"):
        source = yaml.safe_load((ROOT / "prompts" / "en.yaml").read_text())
        return {prompt: _lines(body["text"]) for prompt, body in source.items()}
    path = ROOT / "locales" / LOCALES.get(code, code) / "LC_MESSAGES" / "ivr.po"
    with path.open("rb") as handle:
        return {m.context: _lines(m.string) for m in read_po(handle) if m.context}


def translation(code: str, prompt: str) -> str:
    """The shipped text of a prompt in a language, placeholders as written."""
    return _catalog(code)[prompt]


def key_words(code: str, key: str) -> str:
    return translation(code, KEY_NAMES[key]) if key in KEY_NAMES else key


def offered(code: str, option: str, key: str) -> str:
    """An option as a caller hears it: "Warning signs: press 2."."""
    choice = translation(code, "choice.press").replace("{key}", key_words(code, key))
    return translation(code, option).replace("{choice}", choice)


def first_keyword(code: str, option: str) -> str:
    return translation(code, option.replace("option.", "keywords.")).split(",")[0].strip()


def set_translation(root, locale: str, prompt: str, text: str) -> None:
    """Change one translation in the catalog of a copied line (``root``), as a translator would."""
    from ivr.translations import read_catalog, write_catalog
    path = root / "locales" / locale / "LC_MESSAGES" / "ivr.po"
    catalog = read_catalog(path, locale)
    found = [m for m in catalog if m.context == prompt]
    assert found, prompt
    found[0].string = text
    write_catalog(path, catalog)
