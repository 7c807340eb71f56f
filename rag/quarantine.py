"""Keeps article text data when a model reads it: nothing in an article can act as chat markup,
a source header, or an instruction to the model.

Contract: `defuse_markup(text)` breaks every spelling of a chat-role or special token
(`<|im_start|>`, `<|endoftext|>`, `</s>`, `[INST]`, `<<SYS>>`, `<start_of_turn>`, any tag) so a
tokenizer that parses special tokens reads them as plain characters; it is applied to what the
user writes. `defuse(text)`, for what articles write, also turns citation-marker lookalikes
`[7]` into `(7)` (so no line can forge a numbered source) and reduces markdown images, links
and bare addresses to their text (no outside address reaches the model). `redact(text)`
also replaces each paragraph that addresses the model — orders to ignore instructions, role
labels, requests to reply with given words, in several languages — by `REDACTED`, and says
how many it replaced. All keep everything else as it was. The patterns are a screen, not a
proof: the citation check still removes whatever the model writes that no article states.
Knows nothing about models, prompts or retrieval.
"""

from __future__ import annotations

import re

REDACTED = "(A passage addressed to AI assistants was removed here.)"

# chat markup of the common model families: ChatML and Qwen/GPT-style <|...|>, any tag
# (</s>, <tool_call>, Gemma's <start_of_turn>, role tags), Llama/Mistral [INST] <<SYS>>
_SPECIAL = re.compile(
    r"<\|[^<>|\n]{0,40}\|>|<\||\|>|</?[A-Za-z_][\w.:-]{0,30}/?>|\[/?INST\]|<</?SYS>>",
    re.IGNORECASE,
)
# the markup of a chat turn (not any tag: `<br>` or `<sup>` in an article is only defused)
_CHAT_TURN = re.compile(
    r"<\|[^<>|\n]{0,40}\|>|\[/?INST\]|<</?SYS>>|</?s>|</?(?:start|end)_of_turn>"
    r"|</?(?:system|user|assistant|human|tool_call|tool_response)>",
    re.IGNORECASE,
)
_MARKER_LOOKALIKE = re.compile(r"\[(\s*\d+(?:\s*,\s*\d+)*\s*)\]")
_MD_IMAGE = re.compile(r"!\[([^\[\]\n]*)\]\([^()\n]*\)")
_MD_LINK = re.compile(r"\[([^\[\]\n]+)\]\( ?[a-z][a-z0-9+.-]*:[^()\n]*\)", re.IGNORECASE)
_BARE_URL = re.compile(r"\b(?:https?|ftp|data|javascript):[^\s<>\"')\]]+", re.IGNORECASE)

_MODEL = (
    r"(?:ai|a\.i\.|chat ?bot|chatgpt|gpt|llm|language model|"
    r"assistant(?!\s+(?:coach|manager|secretary|director|professor|editor|minister|chief|general"
    r"|commissioner|attorney|principal|referee|to\b)))s?(?:\s+(?:models?|assistants?|systems?))?"
)
_PREVIOUS = (
    r"(?:all|every|previous|prior|above|earlier|preceding|foregoing|your|the system|system"
    r"|original|initial)"
)
_ADDRESSED = [
    # orders to drop the rules it was given
    rf"\b(?:ignore|disregard|forget|override|bypass|abandon)\b[^.!?\n]{{0,30}}\b{_PREVIOUS}\b"
    r"[^.!?\n]{0,30}\b(?:instructions?|prompts?|rules|directions|guidelines|commands"
    r"|system message|programming|constraints)\b",
    r"\bnew (?:instructions?|rules|system prompt|task|directives?)\s*:",
    r"\b(?:system prompt|system override|system message|system instructions?|developer mode"
    r"|developer message)\s*:",
    # words to the model itself
    rf"\b(?:dear|attention|note to|message (?:to|for)|instructions? (?:to|for)|hey|hello)\s+"
    rf"(?:the\s+|any\s+|all\s+)?{_MODEL}\b",
    rf"\b(?:if you are|you are|you're|as|to|for) (?:an?\s+|any\s+|all\s+)?{_MODEL}\s+"
    r"(?:reading|processing|summari[sz]ing|answering|parsing|that reads?|who reads?)\b",
    rf"\byou are now (?:an?\s+)?(?:{_MODEL}|dan|unrestricted|unfiltered|in \w+ mode)\b",
    rf"\b(?:act as|pretend to be|pretend you are|roleplay as) (?:an?\s+)?(?:{_MODEL}|dan"
    r"|unrestricted|unfiltered)\b",
    r"\bfrom now on,? you (?:will|must|are|should|shall) (?:only )?(?:answer|reply|respond|say"
    r"|ignore|act|write|output)\b",
    rf"\b(?:to|for) (?:the |any |all )?(?:{_MODEL}|bots?)\s*:",
    r"(?:^|[.!?]\s+)(?:ai |language model |llm )?(?:assistants?|chat ?bots?)\s*:",
    rf"\b{_MODEL}\s+(?:answering|reading|summari[sz]ing|processing|parsing)\s+(?:this|these|the"
    r"|questions?|any)\b",
    rf"\bfor {_MODEL}(?: (?:summari[sz]ers?|readers?|crawlers?|tools?|agents?))? only\b",
    rf"\bthe {_MODEL}\s+(?:must|should|shall|has to|needs to|will now)\b",
    r"\bautomated (?:summary|summari[sz]ation|answering|question.answering) (?:tools?|systems?"
    r"|agents?|software)\b",
    r"\b(?:begin|end) (?:trusted |system |admin |official |verified )?(?:source|prompt"
    r"|instructions?|context|message)\b",
    # orders about the reply
    r"\b(?:all|every|each|any|your) (?:answers?|repl(?:y|ies)|responses?|outputs?) (?:must"
    r"|should|shall|has to|have to|needs? to)\b",
    r"\b(?:begin|start|end|finish) (?:every|each|all|your) (?:answers?|repl(?:y|ies)"
    r"|responses?)\b",
    r"\b(?:include|add|put|cite|insert|append|mention)\b[^.!?\n]{0,30}\b(?:in|into|to|with) "
    r"(?:every|each|all|your|the) (?:answers?|repl(?:y|ies)|responses?)\b",
    r"\b(?:correct|right|accurate|only|proper) (?:answer|reply|response)s? to (?:every|any|all"
    r"|each) questions?\b",
    r"\b(?:ignore|disregard|forget)\b[^.!?\n]{0,30}\b(?:sources?|articles?|documents?"
    r"|passages?|context)\s+(?:you (?:were|have been) given|above|provided|given)\b",
    r"\b(?:reply|respond|answer) (?:only )?with (?:exactly|only|the (?:word|words|phrase|text"
    r"|string|sentence|following))\b",
    r"\b(?:say|write|output|print|type) (?:only |exactly )?(?:the (?:word|words|phrase|string"
    r"|following)\b|[\"'“‘][^\"'”’\n]{1,60}[\"'”’]\s*(?:and nothing else|only|instead))",
    r"\byour (?:answer|reply|response|output) (?:must|should|shall|has to|needs to)\b",
    r"\b(?:answer|reply|respond)\w*\s+(?:to\s+)?(?:every|all|any|each)\s+(?:question|query"
    r"|request)s?\s+(?:with|by (?:saying|writing))\b",
    r"\b(?:do not|don't|never) (?:cite|mention|use|answer from|rely on) (?:the |any )?(?:other "
    r"(?:sources?|articles?|passages?|documents?)|(?:sources?|articles?|passages?|documents?"
    r"|context) (?:above|provided|given|you (?:were|have been) given))\b",
    # role labels opening a line: "System:", "### Instruction"
    r"^\s*(?:#{1,6}\s*)?(?:system|assistant|user|human|instructions?)\s*[:>]",
    r"#{2,6}\s*(?:instruction|system|response|input)\b",
    # other languages
    r"\b(?:ignor\w*|esque[cç]\w*|olvid\w*|dimentic\w*)\s+(?:\w+\s+){0,3}(?:instru[cç]\w*"
    r"|istruzioni|indica[cç]\w*|orienta[cç]\w*)",
    r"\b(?:ignore[rz]?|oublie[rz]?)\s+(?:toutes\s+)?(?:les\s+|vos\s+|tes\s+)?(?:instructions"
    r"|consignes)\b",
    r"\b(?:ignorier\w*|vergiss\w*)\s+(?:alle\s+)?(?:vorherigen\s+|bisherigen\s+|obigen\s+)?"
    r"(?:anweisungen|instruktionen)\b",
    r"(?:игнорир\w*|забудь\w*)\s+(?:все\s+)?(?:предыдущие\s+)?(?:инструкц|указани)",
    r"(?:忽略|无视|忽視|無視).{0,8}(?:指令|指示|说明|說明|规则|規則|命令)",
    r"(?:指示|命令|ルール).{0,8}(?:無視|忘れ)",
    r"(?:이전|모든).{0,6}(?:지시|명령).{0,4}(?:무시)",
]
_ADDRESSES_MODEL = re.compile(
    "|".join(f"(?:{p})" for p in _ADDRESSED), re.IGNORECASE | re.MULTILINE
)
_PARAGRAPH = re.compile(r"[^\n]+")


def defuse_markup(text: str) -> str:
    """`text` with every spelling of a chat-role or special token broken apart (for what the
    user writes: questions and the turns of a conversation)."""
    return _SPECIAL.sub(lambda m: _spaced(m[0]), text)


def defuse(text: str) -> str:
    """`text` with chat markup, marker lookalikes and link targets made inert (for what an
    article writes)."""
    text = defuse_markup(text)
    text = _MD_IMAGE.sub(lambda m: m[1], text)
    text = _MD_LINK.sub(lambda m: m[1], text)
    text = _BARE_URL.sub("(link)", text)
    return _MARKER_LOOKALIKE.sub(lambda m: f"({m[1]})", text)


def addresses_model(text: str) -> bool:
    """Whether `text` speaks to a model reading it rather than reporting news."""
    return _ADDRESSES_MODEL.search(text) is not None or _CHAT_TURN.search(text) is not None


def redact(text: str) -> tuple[str, int]:
    """`text` defused, each paragraph that addresses the model replaced by REDACTED; and how
    many paragraphs were replaced."""
    replaced = 0

    def screen(paragraph: re.Match[str]) -> str:
        nonlocal replaced
        if addresses_model(paragraph[0]):
            replaced += 1
            return REDACTED
        return paragraph[0]

    return defuse(_PARAGRAPH.sub(screen, text)), replaced


def _spaced(token: str) -> str:
    """A markup token with its brackets set apart: `<|im_end|>` → `< |im_end| >`, `</s>` →
    `< /s >`, `[INST]` → `[ INST ]`: the same letters, no longer one token."""
    return re.sub(r"^(<+|\[)|(>+|\])$", lambda m: f"{m[1]} " if m[1] else f" {m[2]}", token)
