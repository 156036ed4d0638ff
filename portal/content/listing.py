"""Pages of long admin lists (articles, media) at the same cost on any page, however long the list.

A list is a ``SELECT`` in the order of an index, newest first: a time column
and the id as tie-breaker (``ix_articles_updated`` and its status and
creator variants, ``ix_media_images_created``; migration 0011).
:func:`list_page` reads one page of it:

- the first pages by number (``?page=N``), while the rows they skip stay
  within :data:`COUNT_CAP`: an ``OFFSET`` inside the index, bounded whatever
  the size of the list;
- further pages by seeking from the last row shown (``?sau=<key>``, the "older"
  link) or the first (``?truoc=<key>``, the "newer" link): ``WHERE (time, id) <
  key ORDER BY time DESC, id DESC LIMIT n``, a range of the index that reads as
  many rows as it shows;
- the last page (``?cuoi=1``) as the first of the list in reverse order.

The rows are counted only up to :data:`COUNT_CAP` (``SELECT count(*) FROM
(SELECT ... LIMIT cap + 1)``): a longer list says "hơn 10.000" instead of
counting a hundred thousand rows on every request. A list filtered with a
text search (no index can answer "contains") is not counted at all: the page
reads rows in order until it has one more than it shows, which tells whether
there is a next page; its count is known only when it fits on its first page.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, func, select, tuple_

from portal.extensions import db

#: Lists are counted up to this many rows; a longer one shows "hơn 10.000".
COUNT_CAP = 10_000
#: The query-string parameters of a seek: older than, newer than, the last page.
AFTER, BEFORE, LAST = "sau", "truoc", "cuoi"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def encode_key(moment: datetime, row_id: int) -> str:
    """``1732950000123456.42``: a row's place in a list (microseconds since 1970, id)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{(moment - _EPOCH) // _MICROSECOND}.{row_id}"


def decode_key(text: str | None) -> tuple[datetime, int] | None:
    """The (time, id) of :func:`encode_key`, or None for anything else."""
    micros, _dot, row_id = (text or "").partition(".")
    if not (micros.lstrip("-").isdigit() and row_id.isdigit()) or len(micros) > 20:
        return None
    try:
        return _EPOCH + int(micros) * _MICROSECOND, int(row_id)
    except OverflowError:
        return None


@dataclass(frozen=True)
class PageRequest:
    """Which page of a list is asked for (from the query string)."""

    number: int = 1
    after: str | None = None
    before: str | None = None
    last: bool = False

    @classmethod
    def from_args(cls, args) -> PageRequest:
        """From ``request.args``: ``page``, ``sau``, ``truoc``, ``cuoi``."""
        number = args.get("page", 1, type=int) or 1
        return cls(
            number=max(number, 1),
            after=args.get(AFTER) or None,
            before=args.get(BEFORE) or None,
            last=args.get(LAST) == "1",
        )


@dataclass
class ListPage:
    """One page of a list, with what its pager needs."""

    rows: list
    #: The number of rows of the list when counted (at most ``COUNT_CAP``), else None.
    total: int | None
    #: True when the list has more rows than ``total`` says (the count stopped at the cap).
    more: bool
    #: The page's number when known (None on pages reached by seeking back from the last).
    number: int | None
    #: The number of pages when the count is exact, else None.
    pages: int | None
    #: Query-string values of the pages before and after this one, of the last page.
    previous: dict[str, str | int] | None = None
    next: dict[str, str | int] | None = None
    last: dict[str, str | int] | None = None


def list_page(query, time_column, id_column, asked: PageRequest, *, per_page: int,
              counted: bool = True) -> ListPage:  # fmt: skip
    """One page of ``query`` (a ``select`` of ORM rows), newest ``time_column`` first.

    ``counted=False`` for a filter no index answers (a text search): no count.
    """
    return sorted_page(query, (time_column, id_column), asked, per_page=per_page, counted=counted)


def sorted_page(query, order, asked: PageRequest, *, per_page: int, counted: bool = True,
                descending: bool = True, seekable: bool = True) -> ListPage:  # fmt: skip
    """One page of ``query`` in the order of the columns ``order`` (the last one unique: the id).

    All columns go one way: ``descending`` (newest, Z to A) or ascending. The
    columns should be those of an index, in its order, so that a page reads as
    many rows as it shows. ``seekable=False`` for an order whose columns may be
    NULL (a row cannot be compared with a NULL key): its pages are numbered only,
    up to :data:`COUNT_CAP` rows deep, and the last page is the first in reverse.
    """
    order = tuple(order)
    forward = tuple(c.desc() if descending else c.asc() for c in order)
    backward = tuple(c.asc() if descending else c.desc() for c in order)
    total = more = None
    if counted:
        limited = query.with_only_columns(order[-1]).limit(COUNT_CAP + 1)
        counted_rows = db.session.scalar(select(func.count()).select_from(limited.subquery()))
        more = counted_rows > COUNT_CAP
        total = min(counted_rows, COUNT_CAP)
    exact = total is not None and not more
    pages = max(1, math.ceil(total / per_page)) if exact else None

    def fetch(statement, limit: int) -> list:
        return list(db.session.scalars(statement.limit(limit)))

    def beyond(key):  # rows after ``key`` in the list's order
        return tuple_(*order) < key if descending else tuple_(*order) > key

    def before_of(key):
        return tuple_(*order) > key if descending else tuple_(*order) < key

    number: int | None
    after = before = None
    if seekable:
        after, before = decode_sort_key(asked.after, order), decode_sort_key(asked.before, order)
    reachable = pages if exact else max(1, COUNT_CAP // per_page)
    if after is not None:
        rows = fetch(query.where(beyond(after)).order_by(*forward), per_page + 1)
        has_next, has_previous = len(rows) > per_page, True
        rows = rows[:per_page]
        number = asked.number if asked.number > 1 else None
    elif before is not None:
        rows = fetch(query.where(before_of(before)).order_by(*backward), per_page + 1)
        has_previous, has_next = len(rows) > per_page, True
        rows = list(reversed(rows[:per_page]))
        number = asked.number if asked.number >= 1 and has_previous else 1
        if not has_previous:
            number = 1
    elif asked.last and not exact:
        # The last page of a list longer than COUNT_CAP: its first rows in reverse order.
        rows = list(reversed(fetch(query.order_by(*backward), per_page)))
        has_previous, has_next, number = True, False, None
    else:
        # By number: an OFFSET within the first COUNT_CAP rows of the index, never deeper.
        number = min(pages if asked.last else asked.number, reachable)
        rows = fetch(query.order_by(*forward).offset((number - 1) * per_page), per_page + 1)
        has_next, has_previous = len(rows) > per_page, number > 1
        rows = rows[:per_page]
        if not counted and number == 1 and not has_next:
            total, exact, pages = len(rows), True, 1
    page = ListPage(rows=rows, total=total, more=bool(more), number=number, pages=pages)
    if exact:
        # A short list: numbered pages, as they always were.
        page.previous = {"page": number - 1} if number and number > 1 else None
        page.next = {"page": number + 1} if number and number < pages else None
        return page
    if not seekable:
        if number is None:  # the last page, reached backwards
            page.previous = None
        else:
            page.previous = {"page": number - 1} if number > 1 else None
            page.next = {"page": number + 1} if has_next and number < reachable else None
            page.last = {LAST: 1}
        return page
    if has_previous and rows:
        first = rows[0]
        back = (number - 1) if number and number > 1 else None
        page.previous = {} if back == 1 else {BEFORE: encode_sort_key(first, order)}
        if back and back > 1:
            page.previous["page"] = back
    if has_next and rows:
        page.next = {AFTER: encode_sort_key(rows[-1], order)}
        if number:
            page.next["page"] = number + 1
    if not asked.last or after is not None or before is not None:
        page.last = {LAST: 1}
    return page


def _is_time(column) -> bool:
    kind = column.type
    return isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime)


def encode_sort_key(row, order) -> str:
    """A row's place in a list: :func:`encode_key` for (time, id), else URL-safe JSON."""
    values = [getattr(row, column.key) for column in order]
    if len(order) == 2 and _is_time(order[0]) and isinstance(values[0], datetime):
        return encode_key(values[0], values[1])
    plain = [encode_key(v, 0).split(".")[0] if isinstance(v, datetime) else v for v in values]
    text = json.dumps(plain, ensure_ascii=False, separators=(",", ":"))
    return "j" + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_sort_key(text: str | None, order) -> tuple | None:
    """The column values of :func:`encode_sort_key`, or None for anything else."""
    if not text:
        return None
    if not text.startswith("j"):
        key = decode_key(text)
        if key is None or len(order) != 2 or not _is_time(order[0]):
            return None
        return key
    try:
        raw = base64.urlsafe_b64decode(text[1:] + "=" * (-len(text[1:]) % 4))
        values = json.loads(raw.decode())
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != len(order) or len(text) > 2000:
        return None
    decoded = []
    for column, value in zip(order, values, strict=True):
        if _is_time(column):
            moment = decode_key(f"{value}.0") if isinstance(value, str) else None
            if moment is None:
                return None
            decoded.append(moment[0])
        elif isinstance(value, bool) or not isinstance(value, (int, str)):
            return None
        else:
            try:
                expected = column.type.python_type
            except NotImplementedError:
                expected = type(value)
            if not isinstance(value, expected):
                return None
            decoded.append(value)
    return tuple(decoded)
