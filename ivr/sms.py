"""The text message's size: SMS segments (what the council pays for) and characters, per language."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .line_files import LineFiles

# GSM 03.38: the characters a text can carry in 7 bits (the extended ones take two).
GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
           "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENDED = set("^{}\\[~]|€\f")


def segments(text: str) -> tuple[str, int]:
    """The encoding and the number of SMS segments a text is sent in (what the council pays for):
    GSM-7, 160 characters alone or 153 a segment; else UCS-2, 70 alone or 67 a segment."""
    if all(c in GSM7 or c in GSM7_EXTENDED for c in text):
        length = len(text) + sum(1 for c in text if c in GSM7_EXTENDED)
        return "GSM-7", 1 if length <= 160 else -(-length // 153)
    length = len(text.encode("utf-16-le")) // 2
    return "UCS-2", 1 if length <= 70 else -(-length // 67)


# The most SMS segments a text message may take: English fits in GSM-7; other languages mostly
# need UCS-2 (about 67 characters a segment). Shorten the text rather than drop a number.
SEGMENTS = {"en": 3}
SEGMENTS_OTHERS = 5
# "Twilio recommends sending messages that are no more than 320 characters to ensure the best
# deliverability and user experience" (Twilio Help Center, "Maximum Message Length with Twilio
# Programmable Messaging"). Held for the line's first language, which every caller can choose;
# the others are warned of until their texts are shortened.
CHARACTERS = 320


def sizes(files: "LineFiles") -> dict[str, tuple[str, int, int, int]]:
    """Per language: (encoding, segments, the most segments allowed, characters) of the longest text
    message the line can send (in any of its areas)."""
    config, found = files.config, {}
    for language in config.languages:
        if not files.catalog.has("sms.body", language.code) or config.texting is None:
            continue
        # The longest of the texts the line sends: each area's, and its twin while the area is not known.
        text = max((files.wording.text_message("sms.body", language, area.key) for area in config.every_area()),
                   key=lambda text: (segments(text)[1], len(text)))
        encoding, count = segments(text)
        allowed = SEGMENTS.get(language.primary, SEGMENTS_OTHERS)
        found[language.code] = (encoding, count, allowed, len(text))
    return found
