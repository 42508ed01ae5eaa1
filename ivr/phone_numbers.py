"""Phone numbers as line.yaml holds them (E.164) and as people read them (UK national form)."""
from __future__ import annotations

import re
from typing import Any

E164 = re.compile(r"\+[1-9][0-9]{6,14}")   # whole strings only: see is_e164


def is_e164(value: Any) -> bool:
    """A phone number in E.164 form, and nothing else (not even a newline after it)."""
    return isinstance(value, str) and E164.fullmatch(value) is not None


def national_forms(number: str) -> set[str]:
    """The digits a published form of an E.164 number may have: national (0…) or international."""
    digits = number[1:]
    forms = {digits}
    if digits.startswith("44"):
        forms.add("0" + digits[2:])
    return forms


def grouped(number: str) -> str:
    """A UK number as usually published (0300 1234 333, 028 9504 9999), for an example in a message."""
    national = "0" + number[3:] if number.startswith("+44") else number
    if national.startswith(("02",)):
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    return f"{national[:4]} {national[4:8]} {national[8:]}"
