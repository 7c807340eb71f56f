"""Dates in news: relative expressions resolved against the publication date, and the time
frame a question asks about.

Contract: pure functions of strings and `datetime.date`s. `resolve_relative` reads a sentence's
relative dates the way news copy uses them: a weekday alone or after "on" is the latest such
day on or before publication ("Kim arrived on Tuesday" in a Thursday paper is two days
earlier), or the next one on or after it when the sentence speaks of the future ("will meet
on Friday"); "today", "yesterday", "tomorrow", "last/this/next week|month|year" follow the
publication date. `with_calendar_days` writes each resolved day into a passage after its
expression, for checking claims that give the date.
`time_frame` reads the period a question names ("in September 2025", "on 4 September 2025",
"in 2024") and whether it wants the newest reports ("latest", "most recent").
A small closed grammar on purpose: general date parsers read "may" or "march" as months and put
a weekday equal to the publication day a week earlier.
Knows nothing about retrieval, models or the UI.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from rag.text import MONTH_PATTERN, MONTHS, sentence_spans

WEEKDAYS = {name.lower(): n for n, name in enumerate(calendar.day_name)}

_WEEKDAY = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_RELATIVE = re.compile(
    rf"\b(?:(last|next|this)\s+)?{_WEEKDAY}\b|\b(today|tonight|yesterday|tomorrow)\b"
    r"|\b(last|this|next)\s+(week|month|year)\b",
    re.IGNORECASE,
)
_FUTURE = re.compile(
    r"\b(will|shall|is (?:due|set|scheduled|expected|to)|are (?:due|set|scheduled|expected|to)|"
    r"plans? to|planning to|scheduled|upcoming|next)\b",
    re.IGNORECASE,
)
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})\s+{MONTH_PATTERN},?\s+(\d{{4}})\b", re.IGNORECASE)
_MONTH_DAY_YEAR = re.compile(rf"\b{MONTH_PATTERN}\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.IGNORECASE)
_MONTH_YEAR = re.compile(rf"\b{MONTH_PATTERN}\s+(?:of\s+)?(\d{{4}})\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:in|during|since|of|for)\s+((?:19|20)\d{2})\b(?!s)", re.IGNORECASE)
_LATEST = re.compile(r"\b(latest|most recent(?:ly)?|newest|recently|lately|current(?:ly)?)\b", re.I)


@dataclass(frozen=True)
class Resolved:
    start: int  # offsets of the expression in the sentence
    end: int
    text: str
    value: str  # the absolute date: "4 September 2025", "September 2025", "2024"
    day: dt.date | None = None  # the calendar day, when the expression names one


@dataclass(frozen=True)
class TimeFrame:
    first: dt.date | None = None  # the period the question names, inclusive
    last: dt.date | None = None
    latest: bool = False  # the question asks for the newest reports

    def holds(self, day: dt.date) -> bool:
        return self.first is not None and self.last is not None and self.first <= day <= self.last


def parse_date(value: str | None) -> dt.date | None:
    """An ISO date ("2025-09-04", or a longer timestamp starting with one), else None."""
    try:
        return dt.date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


def human(day: dt.date) -> str:
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def _shift_month(day: dt.date, months: int) -> str:
    index = day.year * 12 + day.month - 1 + months
    return f"{calendar.month_name[index % 12 + 1]} {index // 12}"


def resolve_relative(sentence: str, published: dt.date) -> list[Resolved]:
    """The relative date expressions of a sentence with their absolute dates."""
    future = bool(_FUTURE.search(sentence))
    found = []
    for match in _RELATIVE.finditer(sentence):
        value, day = _resolve(match, published, future)
        if value:
            found.append(Resolved(match.start(), match.end(), match.group(0), value, day))
    return found


def with_calendar_days(passage: str, published: dt.date | None) -> str:
    """The passage with the calendar day of each relative day after it, as news copy means
    it: "arrived on Tuesday" in an article of Thursday 4 September 2025 reads "arrived on
    Tuesday (2 September)", so a claim giving the date the model worked out can be checked
    against the day the article means. Only days: no year ("Since 2019" is not backed by a
    Thursday of 2019), and "last week" names no day."""
    if published is None:
        return passage
    pieces, done = [], 0
    for a, b in sentence_spans(passage):
        for relative in resolve_relative(passage[a:b], published):
            if day := relative.day:
                pieces += [
                    passage[done : a + relative.end],
                    f" ({day.day} {calendar.month_name[day.month]})",
                ]
                done = a + relative.end
    return "".join(pieces) + passage[done:]


def _resolve(match: re.Match[str], published: dt.date, future: bool) -> tuple[str, dt.date | None]:
    """The absolute date of a relative expression, and its calendar day when it names one."""
    modifier, weekday, deictic, modifier2, unit = (g and g.lower() for g in match.groups())
    if weekday:
        target = WEEKDAYS[weekday]
        if modifier == "next" or (future and modifier != "last"):
            day = published + dt.timedelta(days=(target - published.weekday()) % 7)
            if modifier == "next" and day == published:
                day += dt.timedelta(days=7)
        else:
            day = published - dt.timedelta(days=(published.weekday() - target) % 7)
            if modifier == "last" and day == published:
                day -= dt.timedelta(days=7)
        return human(day), day
    if deictic:
        offset = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}[deictic]
        day = published + dt.timedelta(days=offset)
        return human(day), day
    step = {"last": -1, "this": 0, "next": 1}[modifier2]
    if unit == "year":
        return str(published.year + step), None
    if unit == "month":
        return _shift_month(published, step), None
    monday = published - dt.timedelta(days=published.weekday()) + dt.timedelta(weeks=step)
    return f"the week of {human(monday)}", None


def time_frame(question: str) -> TimeFrame:
    """The period a question names (most specific first) and whether it wants the latest."""
    latest = bool(_LATEST.search(question))
    if m := _DAY_MONTH_YEAR.search(question):
        day = _date(int(m.group(3)), m.group(2), int(m.group(1)))
        return TimeFrame(day, day, latest)
    if m := _MONTH_DAY_YEAR.search(question):
        day = _date(int(m.group(3)), m.group(1), int(m.group(2)))
        return TimeFrame(day, day, latest)
    if m := _MONTH_YEAR.search(question):
        year, month = int(m.group(2)), MONTHS[m.group(1).lower()]
        last_day = calendar.monthrange(year, month)[1]
        return TimeFrame(dt.date(year, month, 1), dt.date(year, month, last_day), latest)
    if m := _YEAR.search(question):
        year = int(m.group(1))
        return TimeFrame(dt.date(year, 1, 1), dt.date(year, 12, 31), latest)
    return TimeFrame(latest=latest)


def favoured(items: list[tuple[str, dt.date | None]], frame: TimeFrame) -> list[str]:
    """The ids a time frame favours, best first, from (id, publication date) pairs in rank
    order: those published inside the named period, else (for "latest") all dated ones newest
    first. Empty when the dates do not tell the items apart."""
    if frame.first is not None:
        inside = [i for i, day in items if day is not None and frame.holds(day)]
        return inside if 0 < len(inside) < len(items) else []
    dated = [(i, day) for i, day in items if day is not None]
    if not frame.latest or len({day for _, day in dated}) < 2:
        return []
    return [i for i, _ in sorted(dated, key=lambda pair: pair[1], reverse=True)]


def _date(year: int, month: str, day: int) -> dt.date | None:
    try:
        return dt.date(year, MONTHS[month.lower().rstrip(".")], day)
    except ValueError:
        return None
