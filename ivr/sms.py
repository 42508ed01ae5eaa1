"""The texts the line sends, held to what a phone shows: SMS segments (what the council pays for),
one item a line, and a lock-screen preview that gives nothing away.

Three texts: the numbers (``sms.body``; its twin ``sms.body.any_area`` while the caller's area is not
known) and the one automatic answer to a reply (``sms.reply``, ivr/replies.py).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from .config import Language
    from .line_files import LineFiles

# GSM 03.38: the characters a text can carry in 7 bits (the extended ones take two).
GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
           "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENDED = set("^{}\\[~]|€\f")

BODY, REPLY, SENSITIVE = "sms.body", "sms.reply", "sms.sensitive_words"
# The most SMS segments a text may take: English fits in GSM-7 (153 characters a segment); other
# languages mostly need UCS-2 (67 a segment). Shorten the text rather than drop a number. Both keep
# within "no more than 320 characters", which Twilio recommends "to ensure the best deliverability
# and user experience" (Twilio Help Center, "Maximum Message Length with Twilio Programmable
# Messaging"): 2 GSM-7 segments are at most 306 characters, 4 UCS-2 ones 268.
SEGMENTS = {"en": 2}
SEGMENTS_OTHERS = 4
# A locked phone shows the start of a text to anyone nearby: its first line must say nothing about
# what the text is for. 60 characters: about one line of a notification on a small phone.
PREVIEW = 60


def segments(text: str) -> tuple[str, int]:
    """The encoding and the number of SMS segments a text is sent in (what the council pays for):
    GSM-7, 160 characters alone or 153 a segment; else UCS-2, 70 alone or 67 a segment."""
    if all(c in GSM7 or c in GSM7_EXTENDED for c in text):
        length = len(text) + sum(1 for c in text if c in GSM7_EXTENDED)
        return "GSM-7", 1 if length <= 160 else -(-length // 153)
    length = len(text.encode("utf-16-le")) // 2
    return "UCS-2", 1 if length <= 70 else -(-length // 67)


def texts(files: "LineFiles", language: "Language") -> Iterator[tuple[str, str]]:
    """(prompt, text) of every text the line may send in ``language``: the numbers as each area
    gets them (and its twin while the area is not known), and the answer to a reply."""
    config, catalog = files.config, files.catalog
    if config.texting is None:
        return
    for prompt in (BODY, REPLY):
        if not catalog.has(prompt, language.code):
            continue
        seen = set()
        for area in config.every_area():
            utterance = files.wording.said(prompt, language, area.key)
            text = files.wording.text_message(prompt, language, area.key)
            if text not in seen:
                seen.add(text)
                yield utterance.prompt, text


def sizes(files: "LineFiles") -> dict[str, list[tuple[str, str, int, int, int]]]:
    """Per language: (prompt, encoding, segments, the most segments allowed, characters) of each
    text, its longest version in any area."""
    found: dict[str, dict[str, tuple]] = {}
    for language in files.config.languages:
        allowed = SEGMENTS.get(language.primary, SEGMENTS_OTHERS)
        longest = found.setdefault(language.code, {})
        for prompt, text in texts(files, language):
            encoding, count = segments(text)
            size = (prompt, encoding, count, allowed, len(text))
            if prompt not in longest or (count, len(text)) > (longest[prompt][2], longest[prompt][4]):
                longest[prompt] = size
    return {code: list(by_prompt.values()) for code, by_prompt in found.items() if by_prompt}


def sensitive_words(files: "LineFiles", code: str) -> list[str]:
    """The words a text's first line must not hold in language ``code``: its own list and the
    English one (the services' names stay in English in every language)."""
    catalog, english = files.catalog, files.first_language.code
    words = []
    for language_code in dict.fromkeys((code, english)):
        if catalog.has(SENSITIVE, language_code):
            words += [word.strip() for word in catalog.text(SENSITIVE, language_code).split(",") if word.strip()]
    return list(dict.fromkeys(words))


def first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def preview_problems(files: "LineFiles") -> list[str]:
    """The text of the numbers in every language: one item a line as in the English, a first line
    (what a locked phone shows) short, neutral and the one text.consent quotes."""
    catalog, found = files.catalog, []
    english_lines = catalog.source[BODY].text.count("\n") + 1 if BODY in catalog.source else 0
    if files.config.texting is None:
        return found
    for language in files.config.languages:
        code = language.code
        if not catalog.has(BODY, code):
            continue
        consent = " ".join(catalog.text("text.consent", code).casefold().split()) \
            if catalog.has("text.consent", code) else ""
        for prompt in dict.fromkeys(files.wording.said(BODY, language, area.key).prompt
                                    for area in files.config.every_area()):
            text = catalog.text(prompt, code)
            lines = text.count("\n") + 1
            if lines != english_lines:
                found.append(f"language {code}: {prompt}: {lines} line(s), the English has {english_lines}: "
                             "keep one item a line (the line breaks were lost?)")
            first = first_line(text)
            if len(first) > PREVIEW:
                found.append(f"language {code}: {prompt}: its first line (shown on a locked phone) is "
                             f"{len(first)} characters, more than {PREVIEW}: {first!r}")
            held = [word for word in sensitive_words(files, code) if word.casefold() in first.casefold()]
            if held:
                found.append(f"language {code}: {prompt}: its first line (shown on a locked phone) holds "
                             f"{', '.join(repr(word) for word in held)} (sms.sensitive_words): {first!r}")
            quoted = " ".join(first.casefold().split()).rstrip(".:;,!")
            if consent and quoted not in consent:
                found.append(f"language {code}: text.consent: does not quote the first line of {prompt} "
                             f"({first!r}), which is what a locked phone shows")
    return found
