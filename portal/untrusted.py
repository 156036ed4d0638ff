"""Reading files that come from outside: JSON to import, site archives, feeds, uploads.

Whatever an import reads is hostile until checked. A bad file is refused
whole, with one clear line, before anything is written: these helpers raise
:class:`UntrustedInputError` for files larger than the portal reads, bytes
that are not in their encoding, text that is not JSON or not well-formed XML,
nesting deeper than any real document (JSON, XML, or HTML inside a text
field), XML that declares entities (XXE, "billion laughs"), and text that one
of our two databases cannot store the same way as the other (NUL characters
are kept by SQLite but refused by PostgreSQL; a lone surrogate such as
``"\\ud800"`` cannot be encoded at all). Checking the whole document first
keeps SQLite and PostgreSQL alike: the same file is refused on both.

:func:`foreign_format` finds, in an uploaded file, another format that a
browser or another program would read out of the same bytes (a polyglot).
"""

from __future__ import annotations

import codecs
import io
import json
import re
import xml.sax
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from portal.i18n import translate

#: Deeper than any document the portal writes or reads (a site export is about 6 levels).
MAX_JSON_DEPTH = 64
#: Deeper than any feed (rss > channel > item > media:group > ..., or Atom XHTML content).
MAX_XML_DEPTH = 100
#: Block elements nested inside one another in a text field; an article needs a dozen.
#: The limit matters: the HTML sanitizer's time grows with the square of this depth.
MAX_HTML_DEPTH = 100
#: Characters no stored text may hold: NUL and UTF-16 surrogates without their pair.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UntrustedInputError(ValueError):
    """A file (or a part of it) cannot be used; the message says why, in one line."""


def read_file(path: str | Path, *, limit: int, what: str = "", setting: str = "") -> bytes:
    """The bytes of a file, or a clear refusal: missing, a folder, unreadable, or too large.

    Reads at most ``limit`` + 1 bytes, whatever the file system says about its
    size (a device or a file that is still growing cannot fill the memory).
    ``setting`` names the configuration key of the limit, for the message.
    """
    path = Path(path)
    what = what or str(path)
    if path.is_dir():
        raise UntrustedInputError(_is_folder(what))
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise UntrustedInputError(_no_such_file(what)) from None
    except OSError as exc:
        raise UntrustedInputError(_unreadable(what, exc)) from None
    if len(data) > limit:
        raise UntrustedInputError(too_large(what, limit, setting))
    return data


def _is_folder(what: str) -> str:
    return translate("{what} là một thư mục, không phải một tệp").format(what=what)


def _no_such_file(what: str) -> str:
    return translate("Không có tệp này: {what}").format(what=what)


def _unreadable(what: str, exc: OSError) -> str:
    return translate("Không đọc được {what}: {reason}").format(
        what=what, reason=exc.strerror or exc
    )


def too_large(what: str, limit: int, setting: str = "") -> str:
    """The refusal of a file larger than ``limit`` bytes."""
    megabytes = limit / (1024 * 1024)
    size = f"{megabytes:g} MB" if megabytes >= 1 else f"{limit // 1024} KB"
    if setting:
        return translate(
            "{what} lớn hơn {size}, mức lớn nhất cổng thông tin đọc (thiết lập {setting})"
        ).format(what=what, size=size, setting=setting)
    return translate("{what} lớn hơn {size}, mức lớn nhất cổng thông tin đọc").format(
        what=what, size=size
    )


def _not_utf8(what: str, position: int, byte: bytes) -> str:
    return translate(
        "{what} không phải văn bản UTF-8 (byte {position}: {byte}); "
        "hãy lưu tệp dưới dạng UTF-8 rồi thử lại"
    ).format(what=what, position=position, byte=repr(byte))


def decode_utf8(raw: bytes, *, what: str) -> str:
    """Text of ``raw`` (UTF-8, a leading byte-order mark allowed), or a clear refusal."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UntrustedInputError(
            _not_utf8(what, exc.start, raw[exc.start : exc.start + 1])
        ) from None
    return text


def _nested_too_deeply(what: str, limit: int) -> str:
    return translate("{what} lồng nhau quá sâu (hơn {limit} cấp)").format(what=what, limit=limit)


def _not_json(what: str, reason: str, line: int | None = None, column: int | None = None) -> str:
    """The refusal of text that is not JSON (with where, when the decoder says)."""
    reason = json_reason(reason)
    if line is None:
        return translate("{what} không phải JSON hợp lệ: {reason}").format(what=what, reason=reason)
    return translate("{what} không phải JSON hợp lệ: {reason} ở dòng {line}, cột {column}").format(
        what=what, reason=reason, line=line, column=column
    )


def json_reason(reason: str) -> str:
    """The JSON decoder's reason in the interface language (unknown ones as they are)."""
    known = {
        "Expecting value": translate("thiếu một giá trị"),
        "Expecting property name enclosed in double quotes": translate(
            "thiếu tên thuộc tính trong dấu ngoặc kép"
        ),
        "Expecting ':' delimiter": translate("thiếu dấu phân cách ':'"),
        "Expecting ',' delimiter": translate("thiếu dấu phân cách ','"),
        "Extra data": translate("có dữ liệu thừa"),
        "Unterminated string starting at": translate("chuỗi không được đóng, bắt đầu"),
        "Invalid control character at": translate("ký tự điều khiển không hợp lệ"),
        "Invalid \\escape": translate("chuỗi thoát \\ không hợp lệ"),
        "Invalid \\uXXXX escape": translate("chuỗi thoát \\uXXXX không hợp lệ"),
    }
    return known.get(reason, reason)


# -- JSON -------------------------------------------------------------------------------


def load_json(raw: bytes, *, what: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse untrusted JSON bytes and check every value in them.

    Refused with :class:`UntrustedInputError`: bytes that are not UTF-8,
    text that is not JSON (with line and column; ``NaN``, ``Infinity`` and an
    object with the same key twice are not JSON either), nesting deeper than
    ``max_depth``, and text holding NUL, a lone surrogate or deeply nested
    HTML (see :func:`check_document`).
    """
    text = decode_utf8(raw, what=what)
    try:
        document = json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants
        )
    except json.JSONDecodeError as exc:
        raise UntrustedInputError(_not_json(what, exc.msg, exc.lineno, exc.colno)) from None
    except (RecursionError, ValueError) as exc:
        raise _refusal(exc, what, max_depth) from None
    check_document(document, what=what, max_depth=max_depth)
    return document


def _refusal(exc: Exception, what: str, max_depth: int) -> UntrustedInputError:
    """The refusal of JSON the decoder stopped on for another reason than its syntax."""
    if isinstance(exc, RecursionError):
        return UntrustedInputError(_nested_too_deeply(what, max_depth))
    reason = str(exc)  # a repeated key, NaN, or a number too long to read
    if "integer string conversion" in reason:
        reason = translate("có một số nhiều chữ số hơn mọi giá trị thật")
    return UntrustedInputError(_not_json(what, reason))


def _key_twice(key: str) -> str:
    return translate("khóa {key} xuất hiện hai lần trong cùng một đối tượng").format(
        key=repr(_printable(key))
    )


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(_key_twice(key))  # the reason a refusal gives
        data[key] = value
    return data


def _no_constants(name: str) -> None:
    raise ValueError(translate("{name} không phải một số JSON").format(name=name))


def check_document(
    document: Any, *, what: str, max_depth: int = MAX_JSON_DEPTH, path: str = "", depth: int = 0
) -> None:
    """Refuse a parsed document nested deeper than ``max_depth`` or holding text that
    cannot be stored (NUL, lone surrogates) or HTML nested deeper than any article.

    ``path`` and ``depth`` say where ``document`` is when it is a part of a
    larger one read a piece at a time (``articles[3]`` at depth 2).
    """
    if _quickly_fine(document, depth, max_depth):
        return  # the usual case; else the walk below finds the problem and says where
    for where_in, level, value in _walk(document, path, depth):
        if level > max_depth:
            raise UntrustedInputError(_nested_too_deeply(what, max_depth))
        if isinstance(value, str):
            where = f"{what}, {where_in}" if where_in else what
            check_storable(value, what=where)
            check_html_nesting(value, what=where)


def _quickly_fine(document: Any, depth: int, max_depth: int) -> bool:
    """Whether :func:`check_document` would find nothing, without naming paths (fast)."""
    stack: list[tuple[int, Any]] = [(depth, document)]
    while stack:
        level, value = stack.pop()
        if level > max_depth:
            return False
        if isinstance(value, str):
            if _UNSTORABLE.search(value) or ("<" in value and html_depth_exceeds(value)):
                return False
        elif isinstance(value, dict):
            for key, item in value.items():
                if level + 1 > max_depth or not isinstance(key, str) or _UNSTORABLE.search(key):
                    return False
                if "<" in key and html_depth_exceeds(key):
                    return False
                stack.append((level + 1, item))
        elif isinstance(value, list):
            stack.extend((level + 1, item) for item in value)
    return True


def check_storable(value: str, *, what: str) -> None:
    """Refuse text with a NUL character or a lone surrogate, naming where it is."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return
    character = found.group()
    if character == "\x00":
        kind = translate("một ký tự NUL")
    else:
        kind = translate("một ký tự surrogate đứng lẻ (U+{code})").format(
            code=f"{ord(character):04X}"
        )
    raise UntrustedInputError(
        translate("{what} chứa {kind} ở vị trí {position}, ký tự này không lưu được").format(
            what=what, kind=kind, position=found.start()
        )
    )


def is_storable(value: str) -> bool:
    """True when ``value`` holds neither NUL nor a lone surrogate."""
    return _UNSTORABLE.search(value) is None


def _walk(document: Any, path: str = "", depth: int = 0) -> Iterator[tuple[str, int, Any]]:
    """Every value and key of a JSON document with its path and depth, without recursion."""
    stack: list[tuple[str, int, Any]] = [(path, depth, document)]
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


# -- JSON read a piece at a time ----------------------------------------------------------

#: Text read from a file at a time while streaming JSON.
STREAM_CHUNK = 1024 * 1024
_SPACE = " \t\n\r"
#: A token cut by the end of a chunk makes the decoder fail this close to the end of the text.
_LONGEST_TOKEN = 64


class JsonObjectStream:
    """A JSON file whose top level is an object, read a member (and a list item) at a time.

    For files too large to hold in memory at once (an import of 100,000
    articles): :meth:`events` yields ``("value", key, value)`` for a member
    whose value is not a list, ``("list", key, None)`` when a list starts and
    ``("item", key, (index, value))`` for each of its items; a top level that
    is not an object is yielded whole as ``("top", None, value)``. Memory holds
    one item (plus a chunk of text) at a time.

    ``descend(path)`` may open objects too: for a member (path of keys from the
    top) whose value is an object and for which it returns true, ``("object",
    path, None)`` is yielded, then its members as above, named by their paths
    (tuples of keys), then ``("end", path, None)``. A site archive's
    ``content.json`` is read so, a table row at a time. ``path`` may also be a
    function returning the binary stream to read (a member of an archive).

    The file is refused as :func:`load_json` refuses it, with the same
    messages: larger than ``limit``, not UTF-8 (a leading byte-order mark is
    allowed), not JSON (line and column), a key twice in one object, ``NaN``,
    nesting deeper than ``max_depth``; each value is checked by
    :func:`check_document` (NUL, lone surrogates, deeply nested HTML) as it is
    read, unless ``check`` is false.
    """

    def __init__(
        self,
        path: str | Path | Callable[[], BinaryIO],
        *,
        what: str,
        limit: int,
        setting: str = "",
        max_depth: int = MAX_JSON_DEPTH,
        check: bool = True,
        descend: Callable[[tuple[str, ...]], bool] | None = None,
    ) -> None:
        #: A file, or a function opening the stream to read (a member of an archive).
        self.opener = path if callable(path) else None
        self.path = None if callable(path) else Path(path)
        self.descend = descend
        self.what = what
        self.limit = limit
        self.setting = setting
        self.max_depth = max_depth
        self.check = check
        self._decoder = json.JSONDecoder(
            object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants
        )

    def events(self) -> Iterator[tuple[str, Any, Any]]:
        if self.opener is not None:
            handle = self.opener()
        else:
            if self.path.is_dir():
                raise UntrustedInputError(_is_folder(self.what))
            try:
                handle = self.path.open("rb")
            except FileNotFoundError:
                raise UntrustedInputError(_no_such_file(self.what)) from None
            except OSError as exc:
                raise UntrustedInputError(_unreadable(self.what, exc)) from None
        with handle:
            self._handle = handle
            self._bytes_read = 0
            self._carry = b""
            self._eof = False
            self._text = ""
            self._pos = 0
            self._lines_before = 0  # line breaks in the text already dropped
            self._column_base = 0  # characters after the last dropped line break
            yield from self._top_level()

    # -- reading text ------------------------------------------------------------------------

    def _more(self) -> bool:
        """Read another chunk of text into the buffer; False at the end of the file."""
        if self._eof:
            return False
        raw = self._handle.read(STREAM_CHUNK)
        if self._bytes_read == 0 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
            self._bytes_read += len(codecs.BOM_UTF8)
        start = self._bytes_read - len(self._carry)
        self._bytes_read += len(raw)
        if self._bytes_read > self.limit:
            raise UntrustedInputError(too_large(self.what, self.limit, self.setting))
        data = self._carry + raw
        self._carry = b""
        if not raw:
            self._eof = True
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if raw and exc.end == len(data) and exc.reason == "unexpected end of data":
                text = data[: exc.start].decode("utf-8")  # a character cut by the chunk
                self._carry = data[exc.start :]
            else:
                raise UntrustedInputError(
                    _not_utf8(self.what, start + exc.start, data[exc.start : exc.start + 1])
                ) from None
        self._drop_read()
        self._text += text
        return bool(raw)

    def _drop_read(self) -> None:
        """Forget the text before the current position (keeping count of its lines)."""
        done = self._text[: self._pos]
        if not done:
            return
        breaks = done.count("\n")
        if breaks:
            self._lines_before += breaks
            self._column_base = len(done) - done.rfind("\n") - 1
        else:
            self._column_base += len(done)
        self._text = self._text[self._pos :]
        self._pos = 0

    def _skip_space(self) -> str:
        """The next character that is not white space ("" at the end of the file)."""
        while True:
            text, pos = self._text, self._pos
            while pos < len(text) and text[pos] in _SPACE:
                pos += 1
            self._pos = pos
            if pos < len(text):
                return text[pos]
            if not self._more():
                return ""

    def _error(self, message: str, pos: int | None = None) -> UntrustedInputError:
        pos = self._pos if pos is None else pos
        before = self._text[:pos]
        breaks = before.count("\n")
        line = self._lines_before + breaks + 1
        column = pos - before.rfind("\n") if breaks else self._column_base + pos + 1
        return UntrustedInputError(_not_json(self.what, message, line, column))

    def _expect(self, character: str, message: str) -> None:
        if self._skip_space() != character:
            raise self._error(message)
        self._pos += 1

    def _value(self, path: str, depth: int) -> Any:
        """Decode the value at the current position (reading more text until it is whole)."""
        if not self._skip_space():
            raise self._error("Expecting value")
        while True:
            try:
                value, end = self._decoder.raw_decode(self._text, self._pos)
            except json.JSONDecodeError as exc:
                if self._incomplete(exc) and self._more():
                    continue
                raise self._error(exc.msg, exc.pos) from None
            except (RecursionError, ValueError) as exc:
                raise _refusal(exc, self.what, self.max_depth) from None
            if end >= len(self._text) and self._more():
                continue  # a number may go on in the next chunk
            self._pos = end
            if self.check:
                check_document(
                    value, what=self.what, max_depth=self.max_depth, path=path, depth=depth
                )
            return value

    def _incomplete(self, exc: json.JSONDecodeError) -> bool:
        """Whether decoding failed only because the text read so far ends too soon."""
        if self._eof:
            return False
        near_end = exc.pos >= len(self._text) - _LONGEST_TOKEN  # "fals|e", "-|1", "\\u00|e9"
        return near_end or exc.msg.startswith("Unterminated string")

    # -- the structure --------------------------------------------------------------------------

    def _top_level(self) -> Iterator[tuple[str, Any, Any]]:
        first = self._skip_space()
        if first != "{":
            value = self._value("", 0)
            self._end()
            yield "top", None, value
            return
        self._pos += 1
        yield from self._members(())
        self._end()

    def _members(self, path: tuple[str, ...]) -> Iterator[tuple[str, Any, Any]]:
        """The members of the object just opened (``{`` read), through its closing ``}``.

        A member of the top level is named by its key; one inside an object that
        ``descend`` opened, by its path of keys (a tuple).
        """
        keys: set[str] = set()
        depth = len(path) + 1
        if self._skip_space() == "}":
            self._pos += 1
            return
        while True:
            if self._skip_space() != '"':
                raise self._error("Expecting property name enclosed in double quotes")
            key = self._value("", depth)
            label = ".".join(_printable(k) for k in (*path, key))
            if key in keys:
                raise UntrustedInputError(_not_json(self.what, _key_twice(key)))
            keys.add(key)
            self._expect(":", "Expecting ':' delimiter")
            name: Any = (*path, key) if path else key
            following = self._skip_space()
            if following == "[":
                self._pos += 1
                yield "list", name, None
                yield from self._items(name, label, depth)
            elif following == "{" and self.descend is not None and self.descend((*path, key)):
                self._pos += 1
                yield "object", name, None
                yield from self._members((*path, key))
                yield "end", name, None
            else:
                yield "value", name, self._value(label, depth)
            following = self._skip_space()
            self._pos += 1
            if following == "}":
                return
            if following != ",":
                raise self._error("Expecting ',' delimiter", self._pos - 1)

    def _items(self, key: Any, label: str, depth: int = 1) -> Iterator[tuple[str, Any, Any]]:
        if self._skip_space() == "]":
            self._pos += 1
            return
        index = 0
        while True:
            value = self._value(f"{label}[{index}]", depth + 1)
            yield "item", key, (index, value)
            index += 1
            following = self._skip_space()
            self._pos += 1
            if following == "]":
                return
            if following != ",":
                raise self._error("Expecting ',' delimiter", self._pos - 1)

    def _end(self) -> None:
        if self._skip_space():
            raise self._error("Extra data")


# -- HTML inside text fields --------------------------------------------------------------

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
#: Elements that nest in one another (inline ones and those a parser closes by itself,
#: such as ``<p>``, cost the sanitizer nothing however deep they go).
_NESTING = frozenset({
    "address", "article", "aside", "blockquote", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "header", "hgroup", "li", "main", "menu", "nav", "ol", "section", "summary", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})  # fmt: skip
#: Open elements an element closes when it starts: ``<li>`` after ``<li>``, ``<tr>`` after
#: a cell of the row before.
_CLOSES_OPEN = {
    "li": {"li"}, "dd": {"dd", "dt"}, "dt": {"dd", "dt"}, "td": {"td", "th"},
    "th": {"td", "th"}, "tr": {"td", "th", "tr"},
    **dict.fromkeys(("thead", "tbody", "tfoot"), {"td", "th", "tr", "thead", "tbody", "tfoot"}),
}  # fmt: skip


def html_depth_exceeds(value: str, limit: int = MAX_HTML_DEPTH) -> bool:
    """Whether HTML in ``value`` nests block elements deeper than ``limit``.

    A quick count over the tags (linear in the length of the text), generous
    where HTML is loose: a parser may close elements this count keeps open,
    never the other way round.
    """
    if "<" not in value:
        return False
    stack: list[str] = []
    open_count: dict[str, int] = {}
    for match in _TAG.finditer(value):
        name = match.group(2).lower()
        if name not in _NESTING:
            continue
        if match.group(1):  # an end tag closes its element and whatever is open inside it
            if open_count.get(name):
                while True:
                    closed = stack.pop()
                    open_count[closed] -= 1
                    if closed == name:
                        break
            continue
        while stack and stack[-1] in _CLOSES_OPEN.get(name, ()):
            open_count[stack.pop()] -= 1
        stack.append(name)
        open_count[name] = open_count.get(name, 0) + 1
        if len(stack) > limit:
            return True
    return False


def check_html_nesting(value: str, *, what: str, limit: int = MAX_HTML_DEPTH) -> None:
    """Refuse text whose HTML nests block elements deeper than ``limit``."""
    if html_depth_exceeds(value, limit):
        raise UntrustedInputError(
            translate("{what} chứa HTML lồng nhau sâu hơn {limit} cấp").format(
                what=what, limit=limit
            )
        )


# -- XML ------------------------------------------------------------------------------------

_XML_DECLARATION = re.compile(
    rb"""^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._:-]{0,39})["']"""
)


def check_xml(
    raw: bytes, *, what: str, encoding: str | None = None, max_depth: int = MAX_XML_DEPTH
) -> str:
    """Check untrusted XML before any other parser sees it; return its encoding.

    The encoding is ``encoding`` (an HTTP charset) if given, else the one the
    byte-order mark or the XML declaration names, else UTF-8; every byte must
    be valid in it. The document must be well-formed, nested at most
    ``max_depth`` elements deep, free of NUL, and must declare no entities
    (``<!ENTITY ...>``: external ones read files or fetch addresses, nested
    ones expand to gigabytes). A ``<!DOCTYPE>`` that only names a DTD is
    allowed, and the DTD is never fetched.
    """
    # defusedxml where an uploaded document is read: a worker serving pages never needs it
    from defusedxml.common import DefusedXmlException, EntitiesForbidden
    from defusedxml.expatreader import DefusedExpatParser

    encoding, named_by = _xml_encoding(raw, encoding, what=what)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UntrustedInputError(
            translate(
                "{what} không phải văn bản {encoding} hợp lệ (byte {position}: {byte})"
            ).format(
                what=what,
                encoding=encoding,
                position=exc.start,
                byte=repr(raw[exc.start : exc.start + 1]),
            )
            + named_by
        ) from None
    text = text.removeprefix("\ufeff")
    check_storable(text, what=what)
    parser = DefusedExpatParser(forbid_dtd=False, forbid_entities=True, forbid_external=False)
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    parser.setContentHandler(_DepthLimit(what, max_depth))
    source = xml.sax.xmlreader.InputSource()
    source.setCharacterStream(io.StringIO(text))
    try:
        parser.parse(source)
    except xml.sax.SAXParseException as exc:
        reason = exc.getMessage()
        hint = (
            translate("; tệp hết trước khi tài liệu kết thúc (bị cắt cụt?)")
            if reason in _AT_END
            else ""
        )
        raise UntrustedInputError(
            translate(
                "{what} không phải XML đúng cú pháp: {reason} ở dòng {line}, cột {column}"
            ).format(
                what=what,
                reason=xml_reason(reason),
                line=exc.getLineNumber(),
                column=exc.getColumnNumber(),
            )
            + hint
        ) from None
    except EntitiesForbidden as exc:
        raise UntrustedInputError(
            translate(
                "{what} khai báo thực thể {name} trong DOCTYPE; khai báo thực thể bị từ chối "
                "(chúng có thể đọc tệp, tải địa chỉ khác hoặc bung ra không có điểm dừng)"
            ).format(what=what, name=repr(exc.name))
        ) from None
    except DefusedXmlException as exc:
        raise UntrustedInputError(
            translate("{what} dùng một tính năng XML bị từ chối ({detail})").format(
                what=what, detail=exc
            )
        ) from None
    return encoding


#: Errors expat reports only when the text ends in the middle of the document.
_AT_END = {"no element found", "unclosed token", "unclosed CDATA section", "partial character"}


def xml_reason(reason: str) -> str:
    """The XML parser's (expat's) reason in the interface language (others as they are)."""
    known = {
        "syntax error": translate("lỗi cú pháp"),
        "no element found": translate("không thấy phần tử nào"),
        "not well-formed (invalid token)": translate("sai cú pháp (ký hiệu không hợp lệ)"),
        "unclosed token": translate("ký hiệu chưa được đóng"),
        "partial character": translate("ký tự bị cắt dở"),
        "mismatched tag": translate("thẻ đóng không khớp thẻ mở"),
        "duplicate attribute": translate("thuộc tính bị lặp"),
        "junk after document element": translate("có nội dung thừa sau phần tử gốc"),
        "undefined entity": translate("thực thể chưa được định nghĩa"),
        "unclosed CDATA section": translate("đoạn CDATA chưa được đóng"),
        "reference to invalid character number": translate("tham chiếu đến mã ký tự không hợp lệ"),
    }
    return known.get(reason, reason)


def _xml_encoding(raw: bytes, given: str | None, *, what: str) -> tuple[str, str]:
    """The Python codec for ``raw`` and who named it: the server, a byte-order mark,
    the XML declaration, or XML's default (UTF-8)."""
    declared = _XML_DECLARATION.match(raw[:1024])
    if given:
        name, named_by = given, translate(", bảng mã máy chủ đã nêu")
    elif raw.startswith(codecs.BOM_UTF8):
        name, named_by = "utf-8-sig", translate(", bảng mã mà dấu thứ tự byte (BOM) của tệp nêu")
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        name, named_by = "utf-16", translate(", bảng mã mà dấu thứ tự byte (BOM) của tệp nêu")
    elif raw.startswith((b"<\x00?\x00", b"\x00<\x00?")):
        name = "utf-16-le" if raw[0] == ord("<") else "utf-16-be"
        named_by = translate(", bảng mã mà các byte đầu tiên của tệp cho thấy")
    elif declared:
        name, named_by = declared.group(1).decode("ascii"), translate(", bảng mã mà tệp khai báo")
    else:
        name, named_by = "utf-8", translate("; XML không khai báo bảng mã thì phải là UTF-8")
    try:
        codec = codecs.lookup(name)
    except LookupError:
        if given:
            refusal = translate("{what} được gửi theo một bảng mã không biết: {name}")
        else:
            refusal = translate("{what} khai báo một bảng mã không biết: {name}")
        raise UntrustedInputError(refusal.format(what=what, name=repr(name))) from None
    if codec.name == "utf-8" and raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", named_by
    return codec.name, named_by


class _DepthLimit(xml.sax.handler.ContentHandler):
    """Refuses a document as soon as its elements nest deeper than the limit."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__()
        self.what, self.limit, self.depth = what, limit, 0

    def startElement(self, name, attrs):  # noqa: N802 (the SAX interface)
        self.depth += 1
        if self.depth > self.limit:
            raise UntrustedInputError(_nested_too_deeply(self.what, self.limit))

    def endElement(self, name):  # noqa: N802
        self.depth -= 1


# -- polyglots ------------------------------------------------------------------------------

#: Tags a browser acts on wherever they appear in a page, with the rest of the tag
#: in plain text: a file holding one is an HTML page too, if served as one.
_MARKUP = re.compile(
    rb"<(?:script|html|body|iframe|svg|img|object|embed|meta|base)"
    rb"(?:[\s/][\x09\x0a\x0d\x20-\x7e]{0,500})?>|<!doctype\s+html",
    re.IGNORECASE,
)
#: How far into a file PDF readers look for its header.
PDF_HEADER_WINDOW = 1024


def foreign_format(data: bytes, *, own: str = "") -> str:
    """Another format in ``data`` that a browser or program would read: "HTML", "ZIP", "PDF".

    Empty when there is none. ``own`` ("ZIP", "PDF") is the file's own format,
    which is not looked for. HTML is a tag a browser acts on anywhere in the
    bytes (once in many thousand megabytes of random data); a zip is an
    archive a zip reader opens from the end of the file (a JAR behind a GIF is
    a "GIFAR"); a PDF is a ``%PDF-`` header in the first kilobyte, where PDF
    readers look for it.
    """
    if _MARKUP.search(data):
        return "HTML"
    if own != "ZIP" and opens_as_zip(data):
        return "ZIP"
    if own != "PDF" and b"%PDF-" in data[:PDF_HEADER_WINDOW]:
        return "PDF"
    return ""


def opens_as_zip(data: bytes) -> bool:
    """Whether a zip reader finds an archive with at least one member in ``data``."""
    if b"PK\x05\x06" not in data[-(65_536 + 22) :]:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return bool(archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return False
