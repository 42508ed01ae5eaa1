"""Opening hours said and written from line.yaml, in each language: days and times through CLDR
(Babel's day names and time formats), put together by a few words each language's catalog gives.

Prompts say ``{office_hours}`` (the caller's area's office hours) or ``{hours_<contact>}`` (a
contact's own hours, line.yaml ``contacts.<name>.hours``). Each language's catalog holds:

    hours.period      "{days}, {opens} to {closes}"  one period of opening
    hours.days        "{first} to {last}"            a run of days
    hours.day_names   the seven day names (Monday first) as said in hours.days, where the
                      language inflects them ("od poniedziałku do piątku"); "CLDR": Babel's names
    hours.time_names  the 24 whole hours (midnight first) as said in hours.period, where the
                      language inflects them; "CLDR": Babel's time format, with hours.clock
    hours.clock       the CLDR skeleton of a time of day: "ha" (9 am), "H" (9); minutes are added
    hours.any_time    "at any time"

A language spoken from recordings (Irish) says them from recorded pieces (ivr/pieces.py): the
day names, the times of day and the hours.* prompts' segments, each recorded once.

A text message writes them short, in CLDR's abbreviated day names (its short ones where those
are longer than four letters and not written with a full stop) and hours.clock: "Mon-Fri 9am-5pm". Several periods are joined as CLDR joins a list ("A, B and C").
"""
from __future__ import annotations

import datetime as dt
import functools

from babel import Locale
from babel.dates import format_datetime, get_day_names, match_skeleton
from babel.lists import format_list

from . import pieces
from .pieces import DAY, TIME, Piece
from .routing import ANY_TIME, OFFICE_HOURS, OUTSIDE_OFFICE_HOURS, OfficeHours

CLDR = "CLDR"
QUARTERS = (0, 15, 30, 45)   # the minutes of the times recorded in advance, for a language spoken from recordings
HOURS_PARTS = {"days", "opens", "closes", "first", "last"}   # the placeholders of the hours.* prompts
PROMPTS = ("hours.period", "hours.days", "hours.day_names", "hours.time_names", "hours.clock", "hours.any_time")
NARROW_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})


def periods(hours, office: OfficeHours) -> tuple[OfficeHours, ...] | None:
    """A contact's hours as periods of opening; None: at any time."""
    if hours is None or hours == ANY_TIME:
        return None
    if hours in (OFFICE_HOURS, OUTSIDE_OFFICE_HOURS):   # (outside office hours is said in words of its own)
        return (office,)
    return hours if isinstance(hours, tuple) else (hours,)


def runs(weekdays) -> list[tuple[int, int]]:
    """Days (Monday 0) as runs of consecutive days: {0..4, 6} -> [(0, 4), (6, 6)]."""
    found = []
    for day in sorted(weekdays):
        if found and found[-1][1] == day - 1:
            found[-1] = (found[-1][0], day)
        else:
            found.append((day, day))
    return found


@functools.lru_cache(maxsize=64)
def _locale(locale: str) -> Locale:
    return Locale.parse(locale)


@functools.lru_cache(maxsize=256)
def _pattern(skeleton: str, locale: Locale) -> str:
    """CLDR's time pattern for a skeleton ("h" -> "h a"), as Babel's format_skeleton finds it; found
    once, not at every time said (the check of a language spoken from recordings says 96)."""
    if skeleton not in locale.datetime_skeletons:
        skeleton = match_skeleton(skeleton, locale.datetime_skeletons)
    return locale.datetime_skeletons[skeleton]


def _time(moment: dt.time, clock: str, locale: Locale) -> str:
    skeleton = clock if not moment.minute else clock.replace("h", "hmm", 1).replace("H", "Hmm", 1)
    text = format_datetime(moment, _pattern(skeleton, locale), locale=locale).translate(NARROW_SPACES)
    return text[1:] if text.startswith("0") and len(text) > 1 and text[1].isdigit() else text


class HoursWords:
    """Hours in one language: ``words`` is the catalog's text of each hours.* prompt."""

    def __init__(self, locale: str, words: dict[str, str]):
        self.locale = _locale(locale)
        self.words = words

    def _names(self, prompt: str, count: int) -> list[str] | None:
        given = self.words[prompt].strip()
        if given == CLDR:
            return None
        names = [name.strip() for name in given.split(",")]
        return names if len(names) == count else None

    def day(self, number: int) -> str:
        names = self._names("hours.day_names", 7)
        return names[number] if names else get_day_names("wide", locale=self.locale)[number]

    def time(self, moment: dt.time) -> str:
        names = self._names("hours.time_names", 24)
        if names and not moment.minute:
            return names[moment.hour]
        return _time(moment, self.words["hours.clock"].strip(), self.locale)

    def days(self, weekdays) -> str:
        said = []
        for first, last in runs(weekdays):
            if first == last:
                said.append(self.day(first))
            else:
                said.append(self.words["hours.days"].format(first=self.day(first), last=self.day(last)))
        return format_list(said, locale=self.locale)

    def spoken(self, found: tuple[OfficeHours, ...] | None) -> str:
        if found is None:
            return self.words["hours.any_time"]
        return format_list([self.words["hours.period"].format(days=self.days(p.weekdays), opens=self.time(p.opens),
                                                              closes=self.time(p.closes)) for p in found],
                           locale=self.locale)

    def written(self, found: tuple[OfficeHours, ...] | None) -> str:
        """Short, for a text message: "Mon-Fri 9am-5pm, Sat-Sun 9am-6pm"."""
        if found is None:
            return self.words["hours.any_time"]
        # CLDR's abbreviated names where they are short or written as abbreviations (pl "niedz.", not
        # its short "nie", which is also "no"), else its short ones (pt "segunda" -> "seg.")
        abbreviated, short = (get_day_names(width, locale=self.locale) for width in ("abbreviated", "short"))
        names = {day: abbreviated[day] if len(abbreviated[day]) <= 4 or abbreviated[day].endswith(".") else short[day]
                 for day in range(7)}
        clock = self.words["hours.clock"].strip()
        parts = []
        for period in found:
            days = ", ".join(names[a] if a == b else f"{names[a]}-{names[b]}" for a, b in runs(period.weekdays))
            times = f"{_time(period.opens, clock, self.locale)}-{_time(period.closes, clock, self.locale)}"
            parts.append(f"{days} {times.replace(' ', '')}")
        return ", ".join(parts)

    # -- as recorded pieces (ivr/pieces.py), for a language spoken from recordings --------------
    def pieces(self, found: tuple[OfficeHours, ...] | None) -> list[Piece]:
        if found is None:
            return pieces.whole("hours.any_time", self.words["hours.any_time"])
        return pieces.joined([self._filled("hours.period", {"days": self._days_pieces(period.weekdays),
                                                            "opens": [self.time_piece(period.opens)],
                                                            "closes": [self.time_piece(period.closes)]})
                              for period in found], self._patterns)

    def spare(self) -> list[Piece]:
        """The pieces recorded in advance, so that new hours need no new recordings: every day,
        every quarter of an hour (9:00, 16:30 ...) and every joining word; another time (16:20) is
        one more piece, recorded when first used (`check` names it)."""
        return [*(self.day_piece(day) for day in range(7)),
                *(self.time_piece(dt.time(hour, minute)) for hour in range(24) for minute in QUARTERS),
                *(piece for prompt in ("hours.period", "hours.days", "hours.any_time")
                  for piece in pieces.whole(prompt, self.words[prompt])),
                *pieces.list_words(self._patterns)]

    def day_piece(self, number: int) -> Piece:
        return Piece(f"{DAY}{number}", self.day(number))

    def time_piece(self, moment: dt.time) -> Piece:
        return Piece(f"{TIME}{moment.hour:02d}{moment.minute:02d}" if moment.minute else f"{TIME}{moment.hour:02d}",
                     self.time(moment))

    @property
    def _patterns(self):
        return self.locale.list_patterns["standard"]

    def _days_pieces(self, weekdays) -> list[Piece]:
        return pieces.joined([[self.day_piece(first)] if first == last else
                              self._filled("hours.days", {"first": [self.day_piece(first)],
                                                          "last": [self.day_piece(last)]})
                              for first, last in runs(weekdays)], self._patterns)

    def _filled(self, prompt: str, fills: dict[str, list[Piece]]) -> list[Piece]:
        return [piece for part in pieces.segments(prompt, self.words[prompt])
                for piece in ([part] if isinstance(part, Piece) else fills[part])]
