"""The translators' workflow: catalogs kept up to date from the English, their status, their check.

Catalogs are gettext .po files, read, written and updated with Babel, so that
Poedit, Weblate or any translation tool opens them. Each entry's message
context is its prompt id; its extracted comment says where it is heard and what
its placeholders mean.

Sign-off lives beside each catalog in review.yaml: who signed the language off,
as a draft or as reviewed by a qualified translator, and a fingerprint of each
translation as it was signed off, so that a sentence changed since shows up.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import yaml
from babel.messages.catalog import Catalog as PoCatalog
from babel.messages.pofile import normalize, read_po, unescape, write_po

from . import sms
from .callflow.transfers import TEAM_PROMPTS
from .catalog import DOMAIN, SourcePrompt, catalog_path, is_source, placeholders
from .config import Language
from .files import load_yaml
from .line_files import LineFiles

PROJECT = "cse-info-line"
REVIEW_FILE = "review.yaml"
REVIEW_STATES = ("draft", "reviewed")


FILLED_BY_THE_LINE = {
    "key": "{key} is the key to press: a digit read as a bare numeral, or the word for star or hash (key.star, key.hash)",
    "choice": "{choice} is how to choose, from choice.press (\"press 2\")",
}


def explain_placeholders(text: str, numbers: Mapping[str, str], links: Mapping[str, str]) -> str:
    notes = []
    for name in sorted(placeholders(text)):
        if name in FILLED_BY_THE_LINE:
            notes.append(FILLED_BY_THE_LINE[name])
        elif name.startswith("key_"):
            notes.append(f"{{{name}}} is the key that does this on every menu: a digit read as a bare numeral, "
                         "or the word for star or hash")
        elif name in links:
            notes.append(f"{{{name}}} is the web address {links[name]}")
        else:
            notes.append(f"{{{name}}} is the phone number {numbers.get(name, '?')}, said digit by digit")
    return ("Keep these unchanged: " + "; ".join(notes) + ".") if notes else ""


def template(source: Mapping[str, SourcePrompt], numbers: Mapping[str, str],
             links: Mapping[str, str], leave_out: tuple[str, ...] = ()) -> PoCatalog:
    catalog = PoCatalog(project=PROJECT, domain=DOMAIN)
    for prompt in source.values():
        if prompt.id in leave_out:
            continue
        comments = [prompt.note, explain_placeholders(prompt.text, numbers, links)]
        catalog.add(prompt.text, context=prompt.id, auto_comments=[c for c in comments if c])
    return catalog


def read_catalog(path: Path, locale: str) -> PoCatalog:
    if not path.is_file():
        return PoCatalog(locale=locale, project=PROJECT, domain=DOMAIN)
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    for message in catalog:
        restore_previous_english(message)
    return catalog


def restore_previous_english(message) -> None:
    """Babel writes the old English of a fuzzy entry as "#| msgid" lines, but reads them back as
    translator comments ("| msgid ..."): put them back where they belong, or drop them."""
    lines = [c for c in message.user_comments if c.startswith("| ")]
    if not lines:
        return
    message.user_comments = [c for c in message.user_comments if not c.startswith("| ")]
    text = "".join(unescape(line.split(" ", 2)[-1] if line.startswith("| msgid") else line[2:])
                   for line in lines if line.startswith(("| msgid ", '| "')))
    if message.fuzzy and text:
        message.previous_id = [text]


def write_catalog(path: Path, catalog: PoCatalog) -> bool:
    """Write a catalog, unless only its creation date would change: no change in the texts, no
    change in the files (and no noisy diff). Returns whether the file was written."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=WIDTH)
    new = with_previous_english(buffer.getvalue(), catalog)
    if path.is_file() and _undated(path.read_bytes()) == _undated(new):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(new)
    return True


WIDTH = 100   # the catalogs' line width (Poedit and msgmerge keep whatever they find)


def with_previous_english(written: bytes, catalog: PoCatalog) -> bytes:
    """A fuzzy entry shows the old English beside it ("#| msgid", as msgmerge writes it), so that a
    translator sees what changed. Babel 2.18's own include_previous wraps that string as if it were
    a comment, cutting its lines mid-string, which gettext's `msgfmt -c` refuses ("end-of-line
    within string"): the lines are written here instead, each a whole quoted string."""
    previous = {m.context: m.previous_id[0] for m in catalog if m.id and m.fuzzy and m.previous_id}
    if not previous:
        return written
    lines = written.decode("utf-8").split("\n")
    out = []
    for line in lines:
        if line.startswith('msgctxt "'):
            context = unescape(line[len("msgctxt "):])
            if context in previous:
                out += f"#| msgid {normalize(previous[context], prefix='#| ', width=WIDTH)}".split("\n")
        out.append(line)
    return "\n".join(out).encode("utf-8")


def _undated(content: bytes) -> list[bytes]:
    return [line for line in content.splitlines() if not line.startswith(b'"POT-Creation-Date:')]


def translated_languages(languages) -> list[Language]:
    return [lang for lang in languages if not is_source(lang)]


def update(files: LineFiles, locales_dir: Path) -> list[str]:
    """Bring every catalog in line with prompts/en.yaml.

    A changed English text keeps its translation but marks it fuzzy (with the old
    English beside it); a new prompt appears untranslated; a removed one becomes obsolete.
    """
    pot = template(files.catalog.source, files.config.numbers, files.config.links)
    write_catalog(locales_dir / f"{DOMAIN}.pot", pot)
    report = [f"{locales_dir / (DOMAIN + '.pot')}: {len(pot)} prompts"]
    for language in translated_languages(files.config.languages):
        path = catalog_path(locales_dir, language)
        catalog = read_catalog(path, language.locale)
        before = {m.context: (m.id, m.string) for m in catalog if m.id and m.string}
        previously = {m.context: m.previous_id for m in catalog if m.id and m.previous_id}
        # Matched by prompt id only: Babel's guesses from similar English would put one
        # prompt's translation on another, and a caller would hear it.
        # A template of its own: Babel puts the template's new entries into the catalog
        # as they are, so filling them in must not touch the next language's.
        # The whisper is said to the teams only, in the line's first language: no other catalog needs it.
        team_only = () if language == files.first_language else TEAM_PROMPTS
        catalog.update(template(files.catalog.source, files.config.numbers, files.config.links, team_only),
                       no_fuzzy_matching=True, update_header_comment=False)
        changed = new = 0
        for message in catalog:
            if message.id and message.fuzzy and not message.previous_id and message.context in previously:
                message.previous_id = previously[message.context]   # still fuzzy: keep the old English shown
            if not message.id or message.string:
                continue
            if message.context in before:      # same prompt, new English: keep the old translation, fuzzy
                old_id, old_string = before[message.context]
                message.string, message.previous_id = old_string, [old_id]
                message.flags.add("fuzzy")
                catalog.obsolete.pop((old_id, message.context), None)
                changed += 1
            else:
                new += 1
        for gone, message in list(catalog.obsolete.items()):   # an obsolete entry is kept for its translation
            if not message.string:
                del catalog.obsolete[gone]
        write_catalog(path, catalog)
        report.append(f"{path}: {new} new, {changed} changed in English (marked fuzzy)")
    return report


def fingerprint(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:12]


def review_path(locales_dir: Path, language: Language) -> Path:
    return locales_dir / language.locale / REVIEW_FILE


def read_review(locales_dir: Path, language: Language) -> dict:
    path = review_path(locales_dir, language)
    raw = load_yaml(path.read_text(encoding="utf-8")) if path.is_file() else None
    raw = raw if isinstance(raw, dict) else {}
    return {"status": raw.get("status", "draft"), "by": raw.get("by"), "date": raw.get("date"),
            "note": raw.get("note", ""), "entries": raw.get("entries") or {}}


def sign_off(locales_dir: Path, language: Language, status: str, by: str, note: str = "") -> int:
    """Record the current translations as signed off (as a draft, or reviewed)."""
    if status not in REVIEW_STATES:
        raise ValueError(f"status must be one of {REVIEW_STATES}")
    catalog = read_catalog(catalog_path(locales_dir, language), language.locale)
    entries = {m.context: fingerprint(m.string) for m in catalog if m.id and m.string and not m.fuzzy}
    review = {"status": status, "by": by, "date": dt.date.today().isoformat(), "note": note,
              "entries": dict(sorted(entries.items()))}
    header = ("# Sign-off of this language's translations: draft (awaiting review by a qualified\n"
              "# translator) or reviewed. Written by `flask --app ivr translations sign-off`;\n"
              "# a translation changed since has a different fingerprint and shows as changed.\n")
    review_path(locales_dir, language).write_text(
        header + yaml.safe_dump(review, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return len(entries)


@dataclass
class LanguageStatus:
    language: Language
    total: int
    translated: int = 0
    fuzzy: int = 0
    missing: int = 0
    changed: list[str] = field(default_factory=list)
    recordings: int = 0
    needed: int = 0           # recordings a language without a voice must have
    placeholders: int = 0
    stale: int = 0
    review: str = ""
    reviewed: bool = False
    sms: str = ""             # the text of the numbers' SMS segments, of the most allowed

    @property
    def needs_recordings(self) -> bool:
        return not self.language.speaks


def status(files: LineFiles, locales_dir: Path, problems: list[str] = ()) -> list[LanguageStatus]:
    """Per language: its translations, recordings, text size and review. With start-up ``problems``,
    the text's size is not worked out (its words may be missing)."""
    required = files.inventory.required_prompts()
    stale = set(files.stale)
    sizes = sms.sizes(files) if not problems else {}
    rows = []
    for language in files.config.languages:
        row = LanguageStatus(language, total=len(required))
        recorded = files.recordings.of(language.code)
        said = set(files.inventory.recordings(language))   # sentences, segments and pieces (ivr/pieces.py)
        row.recordings = sum(1 for name in recorded if name in said)
        row.placeholders = sum(1 for name, rec in recorded.items() if rec.placeholder and name in said)
        row.stale = sum(1 for lang, _ in stale if lang == language.code)
        row.needed = 0 if language.speaks else len(said)
        # The text of the numbers (the longest, any area's): what its segments cost.
        for prompt, encoding, count, allowed, _ in sizes.get(language.code, ()):
            if prompt.startswith(sms.BODY):
                row.sms = f"{count}/{allowed} {encoding}"
        if is_source(language):
            row.translated, row.review, row.reviewed = len(required), "English source", True
        else:
            catalog = read_catalog(catalog_path(locales_dir, language), language.locale)
            entries = {m.context: m for m in catalog if m.id and m.context in required}
            done = [m for m in entries.values() if m.string and m.string.strip()]
            row.translated = len(done)
            row.fuzzy = sum(1 for m in done if m.fuzzy)
            row.missing = len(required) - len(done)
            review = read_review(locales_dir, language)
            row.changed = sorted(m.context for m in done
                                 if review["entries"].get(m.context) != fingerprint(m.string))
            row.reviewed = review["status"] == "reviewed"
            row.review = (f"reviewed by {review['by']} on {review['date']}" if row.reviewed
                          else "draft, awaiting review by a qualified translator")
        rows.append(row)
    return rows


def status_table(rows: list[LanguageStatus]) -> str:
    head = ("language", "voice", "translated", "fuzzy", "missing", "changed", "recordings", "stale", "text (SMS)",
            "review")
    lines = [head]
    for row in rows:
        recordings = f"{row.recordings}" + (f" ({row.placeholders} placeholder)" if row.placeholders else "")
        if row.needs_recordings:
            recordings += f" of {row.needed} needed"
        lines.append((row.language.code, row.language.voice or "none: recordings only",
                      f"{row.translated}/{row.total}", str(row.fuzzy), str(row.missing),
                      str(len(row.changed)), recordings, str(row.stale), row.sms or "–", row.review))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    text = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines]
    for row in rows:
        if row.changed:
            text.append(f"{row.language.code}: changed since sign-off: {', '.join(row.changed)}")
    return "\n".join(text)


def live_problems(rows: list[LanguageStatus]) -> list[str]:
    """What stands between each language and going live, one line each: a council runs
    `flask --app ivr check --live` before it offers the line to callers."""
    found = []
    for row in rows:
        code = row.language.code
        if not row.reviewed:
            found.append(f"language {code}: a draft, not yet reviewed by a qualified translator (they sign it off: "
                         f"flask --app ivr translations sign-off --lang {code} --as reviewed --by \"Name, "
                         "qualification\")")
        if row.fuzzy or row.missing:
            found.append(f"language {code}: {row.fuzzy} fuzzy and {row.missing} missing translations")
        if row.changed and row.reviewed:
            found.append(f"language {code}: {len(row.changed)} translations changed since the sign-off: "
                         f"{', '.join(row.changed[:5])}{'…' if len(row.changed) > 5 else ''}")
        if row.placeholders:
            found.append(f"language {code}: {row.placeholders} recordings are machine placeholders (espeak-ng): "
                         "a native speaker records them (`recordings make --from`)")
        if row.stale:
            found.append(f"language {code}: {row.stale} recordings say old words")
    return found
