"""Word-level differences between two versions of an article's text.

Editors compare revisions as text, not as HTML: the body is turned into plain
paragraphs (one per block element), split into words, spaces and punctuation,
and compared with :mod:`difflib`. The result is a list of :class:`Piece`
(unchanged, inserted or deleted text) that a template marks up with
``<ins>``/``<del>``; nothing here produces HTML, so the text stays escaped.
"""

from __future__ import annotations

import difflib
import html as html_lib
import re
from dataclasses import dataclass

#: Closing tags after which a new line starts in the plain text of a body.
_BLOCK_END = re.compile(
    r"(</(?:p|h[1-6]|li|blockquote|figcaption|caption|tr|pre|div|table|ul|ol)>|<br\s*/?>)",
    re.IGNORECASE,
)
_CELL_END = re.compile(r"</t[dh]>", re.IGNORECASE)
#: Any tag, with quoted attribute values that may hold ">".
_TAG = re.compile(r"<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
#: Words (any script), runs of spaces, single other characters.
_TOKEN = re.compile(r"\w+|\n|[^\S\n]+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Piece:
    """A run of text: ``kind`` is ``"same"``, ``"insert"`` or ``"delete"``."""

    kind: str
    text: str


def body_text(html: str) -> str:
    """The text of a body, one paragraph (or list item, table row) per line."""
    # Sanitized bodies only (what is stored): tags can be dropped by pattern.
    marked = _CELL_END.sub(" | ", html or "")
    marked = _BLOCK_END.sub("\n", marked)
    text = html_lib.unescape(_TAG.sub("", marked))
    lines = (re.sub(r"[^\S\n]+", " ", line).strip(" |") for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def word_diff(old: str, new: str) -> list[Piece]:
    """``old`` → ``new`` as pieces; neighbouring pieces of one kind are merged."""
    a, b = _TOKEN.findall(old or ""), _TOKEN.findall(new or "")
    pieces: list[Piece] = []

    def add(kind: str, tokens: list[str]) -> None:
        if not tokens:
            return
        text = "".join(tokens)
        if pieces and pieces[-1].kind == kind:
            pieces[-1] = Piece(kind, pieces[-1].text + text)
        else:
            pieces.append(Piece(kind, text))

    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("same", a[i1:i2])
        else:
            add("delete", a[i1:i2])
            add("insert", b[j1:j2])
    return _absorb_lone_spaces(pieces)


def _absorb_lone_spaces(pieces: list[Piece]) -> list[Piece]:
    """``del: foo`` ``same: ' '`` ``del: bar`` reads better as one deletion ``foo bar``."""
    result: list[Piece] = []
    for index, piece in enumerate(pieces):
        between_changes = (
            piece.kind == "same"
            and not piece.text.strip()
            and "\n" not in piece.text
            and 0 < index < len(pieces) - 1
            and pieces[index - 1].kind != "same"
            and pieces[index + 1].kind != "same"
        )
        if between_changes:
            result.append(Piece("delete", piece.text))
            result.append(Piece("insert", piece.text))
        else:
            result.append(piece)
    # Merge again, keeping deletions before insertions within each changed stretch.
    merged: list[Piece] = []
    stretch: dict[str, str] = {}

    def flush() -> None:
        for kind in ("delete", "insert"):
            if stretch.get(kind):
                merged.append(Piece(kind, stretch[kind]))
        stretch.clear()

    for piece in result:
        if piece.kind == "same":
            flush()
            merged.append(piece)
        else:
            stretch[piece.kind] = stretch.get(piece.kind, "") + piece.text
    flush()
    return merged


def has_changes(pieces: list[Piece]) -> bool:
    return any(piece.kind != "same" for piece in pieces)
