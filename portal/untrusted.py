"""Reading files that come from outside: JSON to import, site archives, feeds.

Whatever an import reads is hostile until checked. A bad file is refused
whole, with one clear line, before anything is written: these helpers raise
:class:`UntrustedInputError` for bytes that are not UTF-8, text that is not
JSON, nesting deeper than any real document, and text that one of our two
databases cannot store the same way as the other (NUL characters are kept by
SQLite but refused by PostgreSQL; a lone surrogate such as ``"\\ud800"``
cannot be encoded at all). Checking the whole document first keeps SQLite
and PostgreSQL alike: the same file is refused on both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

#: Deeper than any document the portal writes or reads (a site export is about 6 levels).
MAX_JSON_DEPTH = 64
#: Characters no stored text may hold: NUL and UTF-16 surrogates without their pair.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UntrustedInputError(ValueError):
    """A file (or a part of it) cannot be used; the message says why, in one line."""


def decode_utf8(raw: bytes, *, what: str) -> str:
    """Text of ``raw`` (UTF-8, a leading byte-order mark allowed), or a clear refusal."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UntrustedInputError(
            f"{what} is not UTF-8 text (byte {exc.start}: {raw[exc.start : exc.start + 1]!r}); "
            "save it as UTF-8 and try again"
        ) from None
    return text


def load_json(raw: bytes, *, what: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse untrusted JSON bytes and check every value in them.

    Refused with :class:`UntrustedInputError`: bytes that are not UTF-8,
    text that is not JSON (with line and column), nesting deeper than
    ``max_depth``, and text holding NUL or a lone surrogate (see
    :func:`check_storable`).
    """
    text = decode_utf8(raw, what=what)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UntrustedInputError(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise UntrustedInputError(
            f"{what} is nested too deeply (more than {max_depth} levels)"
        ) from None
    check_document(document, what=what, max_depth=max_depth)
    return document


def check_document(document: Any, *, what: str, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse a parsed document nested deeper than ``max_depth`` or holding unstorable text."""
    for path, depth, value in _walk(document):
        if depth > max_depth:
            raise UntrustedInputError(f"{what} is nested too deeply (more than {max_depth} levels)")
        if isinstance(value, str):
            check_storable(value, what=f"{what}, {path}" if path else what)


def check_storable(value: str, *, what: str) -> None:
    """Refuse text with a NUL character or a lone surrogate, naming where it is."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return
    character = found.group()
    kind = (
        "a NUL character" if character == "\x00" else f"a lone surrogate (U+{ord(character):04X})"
    )
    raise UntrustedInputError(
        f"{what} holds {kind} at position {found.start()}, which cannot be stored"
    )


def is_storable(value: str) -> bool:
    """True when ``value`` holds neither NUL nor a lone surrogate."""
    return _UNSTORABLE.search(value) is None


def _walk(document: Any) -> Iterator[tuple[str, int, Any]]:
    """Every value and key of a JSON document with its path and depth, without recursion."""
    stack: list[tuple[str, int, Any]] = [("", 0, document)]
    while stack:
        path, depth, value = stack.pop()
        yield path, depth, value
        if isinstance(value, dict):
            for key, item in value.items():
                label = _printable(key)
                child = f"{path}.{label}" if path else label
                yield child, depth + 1, key
                stack.append((child, depth + 1, item))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                stack.append((f"{path}[{index}]", depth + 1, item))


def _printable(key: Any) -> str:
    """A key as it can be shown in a message (control characters and surrogates escaped)."""
    text = str(key)
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")
