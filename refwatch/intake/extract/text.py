"""Cleaning, sentences, clauses and language: the spans every other rule works inside.

Offsets always refer to the caller's text: cleaning replaces characters one for one (a
control character or a bidirectional mark becomes a space, a full-width digit its ASCII
twin), so a span found in the cleaned text is the same span in the original.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from refwatch.domain.errors import InputError

MAX_CHARS = 1_000_000
"""The longest text `extract` reads (about 500 pages); longer input is refused with an
error rather than tying up a worker for minutes."""
MAX_SENTENCE = 1_000
"""A "sentence" longer than this (a pasted table, a line without full stops) is cut at
whitespace, so that every rule runs on bounded pieces."""

_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "no", "st", "prof", "jr", "sr", "vs", "approx", "est", "etc"}
)
_SENTENCE_END = re.compile(r"[.!?。！？]+[\"'”’)\]]*(?=\s|$)|\n\s*\n|\n(?=\s*[-*•·▪]|\s*\d+[.)]\s)")
_LINE_BREAK = re.compile(r"\n")


def clean(text: str) -> str:
    """The text with every character that could hide or fake content made harmless,
    keeping its length: control and format characters (bidi marks, zero-width joiners)
    become spaces, full-width ASCII becomes ASCII. Newlines stay (they end lines)."""
    out: list[str] = []
    for ch in text:
        if ch == "\n":
            out.append(ch)
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            out.append(" ")
        elif "\uff01" <= ch <= "\uff5e":
            out.append(chr(ord(ch) - 0xFEE0))
        elif category == "Zs":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def check_size(text: str) -> None:
    if len(text) > MAX_CHARS:
        raise InputError(
            f"the text is too long to read ({len(text):,} characters; at most {MAX_CHARS:,})"
        )


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


def sentences(text: str) -> list[Span]:
    """Sentence spans (stripped of surrounding whitespace), in order.

    A full stop after a known abbreviation (Mr., No.) or a single capital (initials) does
    not end a sentence; a blank line or a line starting a list item always does; a single
    line break ends one when the line before it has no sentence mark at all (messages).
    """
    spans: list[Span] = []
    begin = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        token = re.search(r"(\w+)[.]+$", text[begin : match.start() + 1])
        if token is not None and match.group().startswith("."):
            word = token.group(1)
            if word.casefold() in _ABBREVIATIONS or (len(word) == 1 and word.isupper()):
                continue
        spans.extend(_lines(text, begin, end))
        begin = end
    spans.extend(_lines(text, begin, len(text)))
    return [piece for span in spans for piece in _bounded(text, span)]


def _lines(text: str, begin: int, end: int) -> list[Span]:
    """Split a stretch at single line breaks (short messages often have no full stops)."""
    out: list[Span] = []
    start = begin
    for match in _LINE_BREAK.finditer(text, begin, end):
        out.extend(_stripped(text, start, match.start()))
        start = match.end()
    out.extend(_stripped(text, start, end))
    return out


def _stripped(text: str, start: int, end: int) -> list[Span]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [Span(start, end)] if end > start else []


def _bounded(text: str, span: Span) -> list[Span]:
    if span.end - span.start <= MAX_SENTENCE:
        return [span]
    out: list[Span] = []
    start = span.start
    while span.end - start > MAX_SENTENCE:
        cut = text.rfind(" ", start + MAX_SENTENCE // 2, start + MAX_SENTENCE)
        if cut <= start:
            cut = start + MAX_SENTENCE
        out.extend(_stripped(text, start, cut))
        start = cut
    out.extend(_stripped(text, start, span.end))
    return out


def is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


def language(text: str) -> str:
    """`ko`, `en`, `mixed` (both scripts carry the text) or `unknown` (neither)."""
    hangul = sum(1 for ch in text if is_hangul(ch))
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    if hangul == 0 and latin == 0:
        return "unknown"
    # A Hangul syllable carries about three Latin letters' worth of text.
    weight_ko, weight_en = hangul * 3, latin
    if weight_ko >= 4 * weight_en:
        return "ko"
    if weight_en >= 4 * weight_ko:
        return "en"
    return "mixed"
