"""Page debris removed from an article's text before it is chunked, so that it is never indexed
or shown as a passage.

Contract: `strip_boilerplate(text)` works on whole lines (a line is a paragraph, a caption or a
list item) and returns the text with these removed, and what was removed, in order:
- a tag or topic list at the head or the foot of the article: a line `Topics:` / `Tags:` /
  `Keywords:` / `Filed under:` (alone, or with a short list after it) and the short,
  sentence-less lines that follow it;
- an update or publication stamp: `Updated`, `Published`, `Posted`, `Last updated`... followed
  by nothing but a date or a time ("Update : 04 Sep 2025, 09:21 PM", "Updated 2 hours ago");
- a dateline among the first or last six lines: a line that is only a full date, with or
  without a weekday ("Friday, September 05, 2025");
- a byline: "By Jane Doe", "By Jane Doe and John Roe, Reuters", "By Mara Lindqvist · 14 March
  2025", "(Reporting by ...; Editing by ...)": nothing but capitalised names, places after
  "in", agencies and dates;
- "Read more:", "Related:", "See also:", share, follow-us, newsletter sign-up and
  advertisement lines, and copyright lines ("© 2025 ...", "Copyright 2025 ...");
- a line that is only a photo credit ("Image source, Getty Images", "(AP Photo)").
A caption keeps its sentence and loses only the credit after it: "... Sept. 4, 2025. (AP
Photo)", "... 2025. Photo: AFP", "... in Beijing. (Reuters/John Smith)" end at "2025." and
"Beijing.". A line inside a wrapped paragraph (the next line goes on in lower case, this one
ends on a comma, or the one before on "the", "of", "on"...) is never removed. Every other
line is returned exactly as it was; lines around a removed one lose at most the blank line
that separated them. Rules are anchored on English labels and on capitalised names, so
ordinary paragraphs, in English or any other language, are left untouched: when in doubt, a
line is kept. Pure and deterministic; knows nothing about file formats, chunks or storage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text import MONTH_PATTERN

EDGE_LINES = 6  # a date alone on a line is a dateline among the first or last this many lines
MAX_TAG_WORDS = 15  # a line of a tag list is at most this long, and is not a sentence
MAX_CREDIT_WORDS = 8

_FLAGS = re.IGNORECASE
_WEEKDAY = r"(mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?"
_DATE_WORD = re.compile(
    rf"^(?:{MONTH_PATTERN}|{_WEEKDAY}|\d{{1,2}}(?:st|nd|rd|th)|\d{{1,4}}|\d{{4}}-\d\d-\d\d"
    r"(?:t[\d:.+-]+z?)?|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{1,2}[:.h]\d\d(?::\d\d)?(?:am|pm)?"
    r"|a\.?m\.?|p\.?m\.?|on|at|of|ago|hours?|hrs?|minutes?|mins?|days?|weeks?"
    r"|updated?|published|posted|modified|last|first|(?:gmt|utc)(?:[+-]\d{1,2}(?::?\d\d)?)?"
    r"|[ecmp][sd]?t|bst|cet|cest|eet|eest|ist|kst|jst|msk|hkt|sgt|aes?t|aedt)$",
    _FLAGS,
)
_MONTH_WORD = re.compile(rf"^{MONTH_PATTERN}$", _FLAGS)
_NUMERIC_DATE = re.compile(r"^(\d{4}-\d\d-\d\d.*|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})$")
_SEPARATORS = re.compile(r"[\s,|·•—–]+|(?<=\D)-(?=\D)|\s-\s")
_STAMP = re.compile(
    r"^(?:last\s+|first\s+)?(?:updated?|published|posted|modified)(?:\s+(?:on|at))?\s*:?\s*(.*)$",
    _FLAGS,
)
_TAG_LABEL = re.compile(
    r"^(?:related\s+)?(?:topics?|tags?|keywords?|filed\s+under|categories)\s*(?::\s*(.*))?$",
    _FLAGS,
)
_PROMO = re.compile(
    r"^(?:(?:read\s+more|read\s+also|also\s+read|related(?:\s+(?:stories|articles|news|"
    r"coverage|content))?|see\s+also|more\s+on\s+this(?:\s+story)?|recommended|most\s+read)"
    r"\s*(?:$|[:|»›>]|[-–—]\s)"
    r"|share(?:\s+this(?:\s+(?:article|story|page|post|video)\b|\s*$)|\s+(?:on|via)\s+(?:"
    r"facebook|twitter|x|whatsapp|linkedin|e-?mail|telegram)\b|\s*:)|(?:story\s+)?continues\s+below|continue\s+reading\b"
    r"|advert(?:isement)?\s*(?:$|[-–—:]\s*(?:scroll|continue|story))|sponsored\s*(?:content)?$"
    r"|scroll\s+to\s+continue)",
    _FLAGS,
)
_SOCIAL = re.compile(
    r"\b(?:twitter|x\.com|facebook|instagram|telegram|whatsapp|linkedin|youtube|tiktok|threads"
    r"|bluesky|google\s+news|mastodon)\b",
    _FLAGS,
)
_FOLLOW = re.compile(r"^follow\s+(?:us\b|[^\s,.]+(?:\s+[^\s,.]+){0,4}\s+on\s)", _FLAGS)
_NEWSLETTER = re.compile(r"^(?:sign\s+up|subscribe|get\s+our|join\s+our)\b.*\b(?:newsletter|inbox)")
_COPYRIGHT = re.compile(r"^(?:©|\(c\)\s*\d{4}|copyright\s+(?:©|\(c\)|\d{4}))", _FLAGS)
_RESERVED = re.compile(r"all\s+rights\s+reserved\.?$", _FLAGS)
_AGENCY = (
    r"(?:AP|AFP|Reuters|EPA(?:-EFE)?|Xinhua|Yonhap|KCNA|Getty\s+Images|Bloomberg|Kyodo|TASS"
    r"|Sputnik|dpa|ANSA|Anadolu|Shutterstock|Pool|AAP|PA|EFE|NurPhoto|Imago|Alamy)"
)
_AGENCY_CREDIT = re.compile(rf"^{_AGENCY}(?:\s+Photos?)?(?:\s*/\s*[^()/]+)*(?:\s+via\s+.+)?$")
_CREDIT_LABEL = r"(?:photo(?:graph)?s?|pictures?|images?|image\s+source|foto|illustration)"
_LABELLED_CREDIT = re.compile(
    rf"^(?i:{_CREDIT_LABEL}(?:\s+credits?)?|credits?)\s*(?::|,|\bby\b)\s*(.+)$"
)
_SLASH_CREDIT = re.compile(r"^[^/]+/[^/]+$")
_CREDIT_WORDS = {"via", "for", "and", "of", "the", "de", "/", "&", "-", "|"}
_PAREN_CREDIT = re.compile(r"^\(([^()]+)\)$")
_SENTENCE_END = '.!?"”’)»'
_CREDIT_TAIL = re.compile(
    r"(?<=[.!?\"”’)»])(\s+(?:\([^()]+\)|(?i:"
    rf"{_CREDIT_LABEL}(?:\s+credits?)?|credits?)\s*(?::|,|\bby\b)\s*[^.!?:()]+\.?))\s*$"
)
_BYLINE = re.compile(r"^(?:by|von|par|por)\s+(.+?)\.?$", _FLAGS)
_CREDITS_LINE = re.compile(
    r"^(?:(?:additional|further)\s+)?(?:reporting|writing|editing|edited|written|compiled"
    r"|research|graphics)(?:\s+and\s+\w+)?\s+by\s+(.+)$",
    _FLAGS,
)
_PARTICLES = {"de", "da", "del", "della", "di", "van", "von", "der", "den", "le", "la", "du"}
_PARTICLES |= {"bin", "al", "el", "ibn", "y", "dos", "das", "ter", "in"}
_NAME_SPLIT = re.compile(r"\s*(?:[,;|·•—–]|\s-\s|\band\b|&)\s*")
_CONTINUES = re.compile(r"(?:[,;–-]|\b(?:and|or|the|of|on|in|at|by|to|a|an|for|with))$")


@dataclass(frozen=True)
class Stripped:
    text: str
    removed: tuple[str, ...]  # each line or caption credit removed, as it was written


def strip_boilerplate(text: str) -> Stripped:
    """`text` without its page debris (see the module's contract), and what was removed."""
    lines = text.split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    edges = set(filled[:EDGE_LINES] + filled[-EDGE_LINES:])
    drop: set[int] = set()
    removed: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        end = _tag_list(lines, i, i in edges)
        if end:
            drop.update(range(i, end))
            removed += [s.strip() for s in lines[i:end] if s.strip()]
            i = end
            continue
        if line and _debris(line, i in edges) and not _inside_sentence(lines, i):
            drop.add(i)
            removed.append(line)
        elif (credit := _CREDIT_TAIL.search(lines[i])) and _credit(credit[1]):
            lines[i] = lines[i][: credit.start(1)]
            removed.append(credit[1].strip())
        i += 1
    return Stripped(_join(lines, drop), tuple(removed))


def _tag_list(lines: list[str], i: int, at_edge: bool) -> int | None:
    """Where the tag list labelled on line `i` ends (the index after it), or None when there is
    none: the label line and the short, sentence-less lines after it, at the head or the foot
    of the article (elsewhere, a "Topics:" line may introduce a list the story gives)."""
    tags = _TAG_LABEL.match(lines[i].strip())
    if not tags or _inside_sentence(lines, i) or (tags[1] and not _tag_like(tags[1])):
        return None
    end = i + 1
    while end < len(lines) and (not lines[end].strip() or _tag_like(lines[end])):
        end += 1
    at_foot = not any(line.strip() for line in lines[end:])
    return end if at_edge or at_foot else None


def _debris(line: str, at_edge: bool) -> bool:
    stamp = _STAMP.match(line)
    return bool(
        (stamp and _dated(stamp[1]))
        or (at_edge and _dated(line, full=True))
        or _byline(line)
        or _PROMO.match(line)
        or (_FOLLOW.match(line) and _SOCIAL.search(line) and len(line.split()) <= 15)
        or (_NEWSLETTER.match(line.lower()) and len(line.split()) <= 40)
        or (_COPYRIGHT.match(line) and len(line.split()) <= 30)
        or (_RESERVED.search(line) and len(line.split()) <= 20)
        or _credit(line)
    )


def _dated(text: str, full: bool = False) -> bool:
    """Whether `text` is nothing but a date or a time (`full`: a day, a month and a year)."""
    words = [w for w in _SEPARATORS.split(text.strip()) if w]
    if not words or not any(c.isdigit() for c in text) or not all(map(_DATE_WORD.match, words)):
        return False
    if not full:
        return True
    if any(_NUMERIC_DATE.match(w) for w in words):
        return True
    year = any(re.fullmatch(r"(?:19|20)\d\d", w) for w in words)
    day = any(re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)?", w, _FLAGS) for w in words)
    return year and day and any(_MONTH_WORD.match(w) for w in words)


def _byline(line: str) -> bool:
    credits = [_CREDITS_LINE.match(part.strip()) for part in line.strip("().").split(";")]
    if all(credits):
        return all(_names(m[1], first=False) for m in credits if m)
    byline = _BYLINE.match(line)
    return bool(byline and len(line.split()) <= 20 and _names(byline[1], first=True))


def _names(text: str, first: bool) -> bool:
    """Whether `text` is only names joined by commas or "and", agencies, capitalised titles
    ("Senior Correspondent"), places after "in", and dates; `first`: it starts with a full
    name (two words or more) or an agency."""
    parts = [p for p in _NAME_SPLIT.split(text) if p]
    if not parts:
        return False
    lead = parts[0].split()
    if first and not (re.fullmatch(_AGENCY, parts[0]) or len(lead) >= 2):
        return False
    if _DATE_WORD.match(lead[0]) or lead[0].lower() in _PARTICLES:
        return False
    return all(_dated(part) or _name(part) for part in parts)


def _name(part: str) -> bool:
    words = part.split()
    return len(words) <= 6 and all(
        w.lower() in _PARTICLES or (w[0].isupper() and not any(c.isdigit() for c in w))
        for w in words
    )


def _credit(text: str) -> bool:
    """Whether `text` is a photo credit: "(AP Photo)", "Photo: AFP", "(Reuters/John Smith)"."""
    text = text.strip()
    inner = _PAREN_CREDIT.match(text)
    text = (inner[1] if inner else text).strip().rstrip(".")
    if not text or len(text.split()) > MAX_CREDIT_WORDS:
        return False
    if _AGENCY_CREDIT.match(text):
        return True
    labelled = _LABELLED_CREDIT.match(text)
    if labelled or (inner and _SLASH_CREDIT.match(text)):
        return _credited(labelled[1] if labelled else text)
    return False


def _credited(text: str) -> bool:
    """Whether `text` names who took or owns a picture: capitalised names and agencies."""
    words = [w for w in re.split(r"\s+|(?<=\S)/|/(?=\S)", text.replace(",", " ")) if w]
    return bool(words) and all(w.lower() in _CREDIT_WORDS or w[0].isupper() for w in words)


def _tag_like(line: str) -> bool:
    line = line.strip()
    words = line.split()
    return 0 < len(words) <= MAX_TAG_WORDS and not line.endswith(tuple(_SENTENCE_END))


def _inside_sentence(lines: list[str], i: int) -> bool:
    """Whether line `i` is part of a paragraph wrapped over several lines."""
    line = lines[i].strip()
    after = lines[i + 1].strip() if i + 1 < len(lines) else ""
    before = lines[i - 1].strip() if i > 0 else ""
    return bool(
        (after and after[0].islower())
        or line.endswith((",", ";"))
        or (before and _CONTINUES.search(before))
    )


def _join(lines: list[str], drop: set[int]) -> str:
    """The lines not dropped; a blank line next to a dropped one goes when a blank line (or
    the start of the text) already stands before it."""
    kept: list[str] = []
    gap = False  # a line was dropped since the last line with text
    for i, line in enumerate(lines):
        if i in drop:
            gap = True
            continue
        if not line.strip() and gap and (not kept or not kept[-1].strip()):
            continue
        gap = gap and not line.strip()
        kept.append(line)
    return "\n".join(kept)
