"""Folding Vietnamese text for matching, query terms, highlights and snippets.

:func:`fold` keeps one output character per input character, so a span found
in ``fold(text)`` marks the same span of ``text``: highlights and snippets are
computed on the folded text and cut from the original.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from markupsafe import Markup, escape

#: At most this many terms are searched for, each at most this long.
MAX_TERMS = 32
MAX_TERM_LENGTH = 64

_WORD = re.compile(r"[^\W_]+")
_SPACE = re.compile(r"\s+")


class _FoldTable(dict):
    """``str.translate`` table computed one character at a time, then remembered."""

    def __missing__(self, code: int) -> int:
        char = chr(code)
        if char in "đĐ":
            folded = "d"
        else:
            base = "".join(
                c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
            )
            lowered = (base or char).lower()
            folded = lowered if len(lowered) == 1 else (base or char)[:1] or char
            if len(folded) != 1:
                folded = char
        value = ord(folded)
        self[code] = value
        return value


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lower-case, Vietnamese diacritics removed, ``đ``/``Đ`` → ``d``, one char per char.

    >>> fold("Chỉ thị số 30-CT/TW của Đảng")
    'chi thi so 30-ct/tw cua dang'
    """
    return (text or "").translate(_FOLD)


class _WordFoldTable(dict):
    """:data:`_FOLD`, with every character that cannot be part of a word made a space."""

    def __missing__(self, code: int) -> int:
        folded = _FOLD[code]
        value = folded if _WORD.fullmatch(chr(folded)) else ord(" ")
        self[code] = value
        return value


_WORD_FOLD = _WordFoldTable()


def folded_words(text: str) -> list[str]:
    """The words of ``fold(text)``, as ``_WORD.findall(fold(text))`` finds them, in one pass.

    >>> folded_words("Chỉ thị số 30-CT/TW")
    ['chi', 'thi', 'so', '30', 'ct', 'tw']
    """
    return (text or "").translate(_WORD_FOLD).split()


def term_groups(text: str) -> list[tuple[str, ...]]:
    """The folded words of a query, grouped by the white-space-separated piece they came from.

    A piece that gives several words (a document number such as ``30-CT/TW``)
    is one group, searched as a phrase. At most :data:`MAX_TERMS` words in all.

    >>> term_groups("chỉ thị 30-CT/TW")
    [('chi',), ('thi',), ('30', 'ct', 'tw')]
    """
    groups: list[tuple[str, ...]] = []
    count = 0
    for piece in _SPACE.split(fold(unicodedata.normalize("NFC", text or ""))):
        words = tuple(w[:MAX_TERM_LENGTH] for w in _WORD.findall(piece))
        if not words:
            continue
        words = words[: MAX_TERMS - count]
        groups.append(words)
        count += len(words)
        if count >= MAX_TERMS:
            break
    return groups


def search_terms(text: str) -> list[str]:
    """Folded words of a query: runs of letters and digits, everything else separates.

    At most :data:`MAX_TERMS` terms of at most :data:`MAX_TERM_LENGTH` characters.

    >>> search_terms("Chỉ thị số 30-CT/TW")
    ['chi', 'thi', 'so', '30', 'ct', 'tw']
    >>> search_terms("")
    []
    """
    return [word for group in term_groups(text) for word in group]


def _matches(folded: str, terms: Sequence[str], prefix: str | None = None):
    """``(start, end)`` of the words of ``folded`` that are one of ``terms``."""
    wanted = set(terms)
    for match in _WORD.finditer(folded):
        word = match.group()
        if word in wanted or (prefix and word.startswith(prefix)):
            yield match.start(), match.end()


def _marked(text: str, spans, start: int = 0, end: int | None = None) -> Markup:
    end = len(text) if end is None else end
    parts: list[str] = []
    position = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        parts.append(str(escape(text[position:span_start])))
        parts.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        position = span_end
    parts.append(str(escape(text[position:end])))
    return Markup("".join(parts))


def highlight(text: str, terms: Sequence[str], prefix: str | None = None) -> Markup:
    """``text`` escaped, with the words that match one of ``terms`` in ``<mark>``.

    Words are compared folded, so ``bac`` marks ``Bắc``. ``prefix`` also marks
    words starting with it (a query's last, unfinished word).
    """
    text = text or ""
    return _marked(text, list(_matches(fold(text), terms, prefix)))


def snippet(text: str, terms: Sequence[str], words: int = 30, prefix: str | None = None) -> Markup:
    """About ``words`` words of ``text`` around its first match, escaped, matches marked.

    Starts a few words before the first match (or at the start when nothing
    matches); ``…`` shows where text was left out.
    """
    text = _SPACE.sub(" ", text or "").strip()
    if not text:
        return Markup("")
    spans = list(_matches(fold(text), terms, prefix))
    word_starts = [m.start() for m in re.finditer(r"\S+", text)]
    words = max(1, words)
    first_word = 0
    if spans:
        index = next(
            (i for i, start in enumerate(word_starts) if start > spans[0][0]), len(word_starts)
        )
        first_word = max(0, index - 1 - min(5, words // 4))
    first_word = max(0, min(first_word, len(word_starts) - words))
    start = word_starts[first_word]
    last_word = first_word + words
    end = word_starts[last_word] - 1 if last_word < len(word_starts) else len(text)
    body = _marked(text, spans, start, end)
    before = Markup("… ") if start > 0 else Markup("")
    after = Markup(" …") if end < len(text) else Markup("")
    return before + body + after
