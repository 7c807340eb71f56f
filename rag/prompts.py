"""Prompt templates: text files in `prompts/`, loaded by name and rendered strictly.

Templates use `$name` placeholders (string.Template); a placeholder without a value, or a
value without a placeholder, is an error rather than a silent blank. Whatever a model reads
that did not come from these files (sources, questions, earlier turns) passes through
`rag.quarantine` first: chat markup and marker lookalikes are defused, and source paragraphs
that address the model are replaced; sources come after the instructions.
Knows nothing about models, retrieval or Chroma.
"""

from __future__ import annotations

import functools
import json
import string
from collections.abc import Sequence
from pathlib import Path

from rag.chunk import Chunk
from rag.errors import ConfigError
from rag.quarantine import defuse, defuse_markup, redact

_HERE = Path(__file__).resolve().parent
# a source checkout keeps prompts beside the package; a wheel carries them inside it
PROMPTS_DIR = next(
    (d for d in (_HERE.parent / "prompts", _HERE / "_prompts") if d.is_dir()), _HERE / "_prompts"
)
NOT_FOUND = "NOT IN SOURCES"


@functools.cache
def template(name: str) -> string.Template:
    path = PROMPTS_DIR / f"{name}.txt"
    try:
        return string.Template(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"prompt template {name!r} not found in {PROMPTS_DIR}: {exc}") from None


def render(name: str, **values: object) -> str:
    """Render template `name` with exactly these values."""
    tmpl = template(name)
    wanted = set(tmpl.get_identifiers())
    if missing := wanted - set(values):
        raise ConfigError(f"prompt {name!r} needs {sorted(missing)}")
    if extra := set(values) - wanted:
        raise ConfigError(f"prompt {name!r} has no placeholder for {sorted(extra)}")
    return tmpl.substitute(values).strip()


MAX_QUOTE_CHARS = 300  # longest closest-passage quote in an abstention


def abstain_text(closest: str = "", unknown: Sequence[str] = ()) -> str:
    """The fixed abstention (naming what the question assumes that no article mentions, when
    that is why), pointing at marker [1] for the closest passage when one is given."""
    lead = render("abstain_unknown", names=_names(unknown)) if unknown else render("abstain")
    if not closest:
        return lead
    quote = closest if len(closest) <= MAX_QUOTE_CHARS else closest[: MAX_QUOTE_CHARS - 1] + "…"
    return f"{lead} {render('closest', quote=quote)}"


def _names(names: Sequence[str]) -> str:
    """ "A", "A or B", "A, B or C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def source_block(marker: int, chunk: Chunk) -> str:
    """One numbered source: its text, after its marker."""
    return render("source", marker=marker, text=redact(chunk.text)[0])


def article_heading(title: str, date: str | None) -> str:
    return render("source_article", title=defuse(title), date=defuse(date or "undated"))


def sources_text(sources: Sequence[Chunk]) -> str:
    """The numbered sources, each article's title and date once above its consecutive
    sources (evidence sentences of one article come together in reading order): a heading
    repeated above every sentence would cost the model ~20 tokens of reading each time."""
    groups: list[list[str]] = []
    previous: tuple[str, str, str | None] | None = None
    for marker, chunk in enumerate(sources, start=1):
        article = (chunk.doc_id, chunk.title, chunk.date)
        if article != previous:
            groups.append([article_heading(chunk.title, chunk.date)])
            previous = article
        groups[-1].append(source_block(marker, chunk))
    return "\n\n".join("\n".join(group) for group in groups)


@functools.cache
def worked_examples() -> tuple[dict[str, str], ...]:
    """The answer prompt's worked examples (`answer_examples.json`) as user/assistant turns:
    a figure copied exactly, two parts answered together, a count stated as an ordinal, an
    answer the sources do not hold, a short answer to a follow-up. The same for every
    question, so the model evaluates them once and resumes from its cached prefix."""
    path = PROMPTS_DIR / "answer_examples.json"
    try:
        examples = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read worked examples {path}: {exc}") from None
    turns = []
    for example in examples:
        question = render(
            "answer_user",
            sources=sources_text([example_source(s) for s in example["sources"]]),
            question=example["question"],
        )
        answer = string.Template(example["answer"]).substitute(not_found=NOT_FOUND)
        turns += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    return tuple(turns)


def example_source(source: dict[str, str]) -> Chunk:
    """A worked example's source (`title`, `date`, `text`) as a chunk; sources of one title
    are sentences of one article."""
    text = source["text"]
    return Chunk(
        f"example:{source['title']}",
        source["title"],
        source["title"],
        source["date"],
        0,
        0,
        len(text),
        text,
    )


def instructions(examples: bool = False) -> list[dict[str, str]]:
    """What every answer prompt begins with: the system rules, then the worked examples when
    asked for."""
    return [
        {"role": "system", "content": render("answer_system", not_found=NOT_FOUND)},
        *(dict(turn) for turn in (worked_examples() if examples else ())),
    ]


def answer_messages(
    question: str, sources: Sequence[Chunk], examples: bool = False
) -> list[dict[str, str]]:
    """The instructions, then the numbered sources, then the question (last, so that
    questions over the same sources share a prompt prefix the model can reuse)."""
    blocks = sources_text(sources)
    return [
        *instructions(examples),
        {
            "role": "user",
            "content": render("answer_user", sources=blocks, question=defuse_markup(question)),
        },
    ]


def follow_up(question: str, earlier: str, answer: str) -> str:
    """A follow-up question with the exchange it follows ("What day was that?" after "How did
    Kim leave Beijing?"), so that the model can tell what "that" is."""
    return render(
        "follow_up", question=question, earlier=" ".join(earlier.split()), answer=answer or "-"
    )


def judge_messages(question: str, passages: Sequence[str]) -> list[dict[str, str]]:
    """Ask whether the cited passages answer this question (yes/no). The draft is not shown:
    a judge that sees an answer tends to agree with it (measured on dev and smoke: AUC 0.80
    without the answer, 0.71 with it, separating right from wrong verified answers)."""
    return [
        {"role": "system", "content": render("judge_system")},
        {
            "role": "user",
            "content": render(
                "judge_user",
                passages="\n\n".join(redact(p)[0] for p in passages),
                question=defuse_markup(question),
            ),
        },
    ]
