"""Build a big site (100,000 articles by default) for the benchmarks, fast.

``python bench/big_site.py [--articles N] [--database-url URL]`` builds the site
and prints how long each step took; other benchmarks import :func:`build_site`::

    from big_site import build_site          # bench/ is on sys.path for bench scripts
    app = build_site("sqlite:////tmp/big.db", 100_000)

What it builds: the demo site (categories, pages and blocks, a dozen articles,
loaded the ordinary way), then ``N`` generated articles in the demo's categories
with realistic Vietnamese titles, leads and bodies (full diacritics, place names
such as "Bắc Kạn" and "Ba Bể", document numbers such as "Chỉ thị số 30-CT/TW"),
published at random times over the last three years (0.5 % scheduled in the
next weeks), with 0 to 3 of 600 tags each. Words are drawn from weighted pools,
so there are very common terms ("tỉnh", "phát triển": in most articles), medium
ones (the district names), rarer ones ("30-CT/TW": about 1 %) and rare ones
(the village names, a particular document number: about one in a thousand). The same seed gives the same site.

Speed: rows are inserted with SQLAlchemy Core ``executemany`` in batches of
2,000 (never the ORM one by one), with explicit ids (PostgreSQL's sequences are
moved past them afterwards; PostgreSQL is then vacuumed and analysed). The
search index is filled in the same batches
through the engine in use (``portal.search.search_engine(app).index(...)``),
the documented bulk path: one ``index()`` call per batch of documents, each
made by the core's own ``article_document`` (so the index is the one ``portal
reindex`` would build). On a site without the search package the index step is
skipped.

On SQLite the build runs with ``PRAGMA synchronous = OFF`` and a 64 MB page
cache on its own connections (set when they open, undone before the app is
returned): no fsync per commit. A crash of the machine during the build can
corrupt the file, which is acceptable for a throwaway benchmark database and
for nothing else. The file itself keeps SQLite's defaults. The command shows
a progress bar of the articles written (on standard error).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from sqlalchemy import event, func, insert, select, text

# Runnable as ``python bench/big_site.py`` from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.config import database_uri  # noqa: E402
from portal.content.demo import load_demo  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Article, Category, Tag  # noqa: E402
from portal.models.content import article_tags  # noqa: E402
from portal.testing import make_app  # noqa: E402
from portal.text import slugify  # noqa: E402

BATCH = 2_000
SEED = 20231129

# --- the vocabulary -------------------------------------------------------------
# (phrase, weight): weights make some phrases appear in most articles, others in few.

COMMON = [
    ("tỉnh", 40),
    ("huyện", 30),
    ("xã", 30),
    ("người dân", 25),
    ("phát triển", 25),
    ("kinh tế", 20),
    ("công tác", 20),
    ("cán bộ", 15),
    ("đảng viên", 12),
    ("triển khai", 15),
    ("thực hiện", 20),
    ("năm", 25),
    ("nông thôn mới", 10),
    ("du lịch", 10),
    ("giáo dục", 8),
    ("y tế", 8),
    ("nhân dân", 12),
    ("chính quyền", 10),
    ("Ủy ban nhân dân", 10),
    ("Hội đồng nhân dân", 6),
    ("đồng chí", 10),
    ("Chủ tịch", 10),
    ("hội nghị", 10),
    ("kế hoạch", 12),
    ("an ninh", 6),
    ("trật tự", 5),
    ("sản xuất", 10),
    ("nông nghiệp", 8),
    ("hợp tác xã", 5),
    ("đầu tư", 8),
    ("xây dựng", 12),
    ("hạ tầng", 5),
    ("giao thông", 6),
    ("văn hóa", 6),
    ("thể thao", 4),
    ("môi trường", 5),
    ("rừng", 5),
    ("mùa vụ", 3),
    ("lúa", 3),
    ("ngô", 3),
    ("chè", 3),
    ("cam quýt", 2),
    ("hồng không hạt", 1.5),
    ("miến dong", 1.5),
    ("thông tin", 8),
    ("tuyên truyền", 6),
    ("học sinh", 5),
    ("trường học", 4),
    ("bệnh viện", 3),
    ("tiêm chủng", 2),
    ("dịch bệnh", 2),
    ("lao động", 5),
    ("việc làm", 4),
    ("giảm nghèo", 4),
    ("hỗ trợ", 10),
    ("chính sách", 8),
    ("đồng bào dân tộc", 4),
    ("Tày", 2),
    ("Nùng", 2),
    ("Dao", 2),
    ("Mông", 2),
    ("lễ hội", 3),
    ("Lồng tồng", 1),
    ("chuyển đổi số", 3),
    ("đường giao thông", 3),
    ("cải cách hành chính", 3),
    ("phòng chống thiên tai", 2),
    ("mưa lũ", 2),
    ("sạt lở", 1.5),
    ("khen thưởng", 3),
    ("thi đua", 3),
    ("bầu cử", 1),
    ("quốc phòng", 2),
    ("biên giới", 1),
    ("doanh nghiệp", 5),
    ("ngân sách", 4),
    ("thu nhập", 3),
    ("sản phẩm OCOP", 2),
    ("đặc sản", 2),
    ("thủy điện", 1),
    ("khoáng sản", 1),
    ("đất đai", 3),
    ("quy hoạch", 3),
]
FILLER = [
    ("và", 30),
    ("của", 30),
    ("các", 25),
    ("trong", 20),
    ("với", 15),
    ("đã", 20),
    ("được", 20),
    ("cho", 15),
    ("những", 10),
    ("tại", 15),
    ("về", 12),
    ("theo", 8),
    ("để", 10),
    ("nhằm", 6),
    ("tiếp tục", 6),
    ("tăng cường", 5),
    ("nâng cao", 5),
    ("hiệu quả", 6),
    ("đẩy mạnh", 5),
    ("kết quả", 5),
    ("quan trọng", 3),
    ("nhiều", 8),
    ("mới", 6),
    ("tích cực", 3),
]
PLACES = [
    ("Bắc Kạn", 30),
    ("Ba Bể", 8),
    ("Chợ Đồn", 6),
    ("Chợ Mới", 6),
    ("Na Rì", 5),
    ("Ngân Sơn", 5),
    ("Pác Nặm", 4),
    ("Bạch Thông", 5),
    ("thành phố Bắc Kạn", 6),
    ("hồ Ba Bể", 3),
    ("Đồng Thắng", 1),
    ("Côn Minh", 1),
    ("Yên Thịnh", 1),
    ("Bằng Vân", 1),
    ("Thượng Giáo", 1),
    ("Khang Ninh", 1),
    ("Nam Mẫu", 1),
    ("Đồng Xá", 0.5),
    ("Cốc Đán", 0.5),
]
# Villages: each in about one article in a thousand.
RARE = [
    "Nà Phặc",
    "Khuổi Slưn",
    "Nặm Cắt",
    "Pù Mò",
    "Bản Cám",
    "Pác Ngòi",
    "Khuổi Tổng",
    "Nà Hang Tuộc",
    "Bó Lù",
    "Cốc Tộc",
    "Nà Ngần",
    "Phja Đăm",
    "Lủng Vài",
    "Khau Bang",
    "Slam Vè",
    "Nà Làng",
    "Bản Váng",
    "Lũng Pjầu",
    "Thôm Mò",
    "Khuổi Khỉ",
]
DOCUMENTS = [
    ("Chỉ thị số {n}-CT/TW", 3),
    ("Nghị quyết số {n}-NQ/TU", 3),
    ("Quyết định số {n}/QĐ-UBND", 4),
    ("Nghị định {n}/{y}/NĐ-CP", 2),
    ("Kế hoạch số {n}/KH-UBND", 3),
    ("Thông tư {n}/{y}/TT-BTC", 1),
]
TITLE_OPENERS = [
    "{place}: {a} {b}",
    "{place} {a} {b} {c}",
    "Đẩy mạnh {a} tại {place}",
    "{a}: {place} {b} {c}",
    "Triển khai {doc}",
    "{place} triển khai {doc} về {a}",
    "Nâng cao {a} ở {place}",
    "Sơ kết {doc}",
    "{place} tổ chức hội nghị về {a} và {b}",
    "Hiệu quả từ {a} ở {rare}",
    "{rare} ({place}): {a} {b}",
]


class _Pool:
    def __init__(self, items):
        self.words = [word for word, _weight in items]
        total = 0.0
        self.cumulative = []
        for _word, weight in items:
            total += weight
            self.cumulative.append(total)

    def pick(self, rng: random.Random, k: int = 1) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=k)


_COMMON, _FILLER, _PLACES, _DOCS = _Pool(COMMON), _Pool(FILLER), _Pool(PLACES), _Pool(DOCUMENTS)
_MIXED = _Pool(COMMON + FILLER + PLACES)


def _document(rng: random.Random) -> str:
    # "Chỉ thị số 30-CT/TW" is in about one article in a hundred.
    if rng.random() < 0.02:
        return "Chỉ thị số 30-CT/TW"
    n = rng.randint(1, 400) if rng.random() < 0.8 else rng.randint(401, 3000)
    return _DOCS.pick(rng)[0].format(n=n, y=rng.randint(2015, 2025))


def _sentence(rng: random.Random, words: int) -> str:
    parts = _MIXED.pick(rng, words)
    roll = rng.random()
    if roll < 0.04:
        parts.insert(rng.randrange(len(parts) + 1), _document(rng))
    elif roll < 0.042:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(RARE))
    sentence = " ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def make_article_text(rng: random.Random) -> tuple[str, str, list[str]]:
    """(title, lead, body paragraphs) of one generated article."""
    a, b, c = _COMMON.pick(rng, 3)
    title = rng.choice(TITLE_OPENERS).format(
        place=_PLACES.pick(rng)[0],
        a=a,
        b=b,
        c=c,
        doc=_document(rng),
        rare=rng.choice(RARE) if rng.random() < 0.05 else _PLACES.pick(rng)[0],
    )
    title = title[0].upper() + title[1:]
    lead = " ".join(_sentence(rng, rng.randint(12, 20)) for _ in range(2))
    body = [
        " ".join(_sentence(rng, rng.randint(10, 18)) for _ in range(rng.randint(2, 4)))
        for _ in range(rng.randint(3, 5))
    ]
    return title, lead, body


# --- building -----------------------------------------------------------------------


def build_site(
    url: str | None = None,
    n: int = 100_000,
    *,
    seed: int = SEED,
    config: dict | None = None,
    index: bool = True,
    progress: Callable[[str], None] | None = None,
    advance: Callable[[int], None] | None = None,
):
    """Empty the database at ``url`` (default: a new temporary SQLite file) and build the site.

    Returns the app (its database holds the demo site plus ``n`` generated articles,
    indexed for search when ``index`` is true and the search package is present).
    ``progress`` gets messages; ``advance(k)`` is called after each batch of ``k``
    articles (a progress bar's ``update``).
    """
    say = progress or (lambda _message: None)
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="portal-big-site-"))
        url = f"sqlite:///{folder / 'big.db'}"
    settings = {"PORTAL_CACHE_URL": "none", "PORTAL_STRICT_BLOCKS": False}
    settings.update(config or {})
    started = time.perf_counter()
    app = make_app(database_url=database_uri(url), config=settings)
    with app.app_context(), _fast_sqlite_build(db.engine):
        load_demo()
        db.session.commit()
        say(f"demo site loaded ({time.perf_counter() - started:.1f} s)")
        categories = list(db.session.scalars(select(Category.id).order_by(Category.id)))
        tag_ids = _insert_tags(seed)
        engine = _search_engine(app) if index else None
        _insert_articles(n, seed, categories, tag_ids, engine, say, advance)
        if db.engine.dialect.name == "postgresql":
            for table in ("articles", "tags"):
                db.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f" (SELECT max(id) FROM {table}))"
                    )
                )
            db.session.commit()
            # VACUUM also moves the GIN indexes' pending entries into the index proper.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        say(f"{n} articles built in {time.perf_counter() - started:.1f} s")
    return app


#: Pragmas of the builder's SQLite connections (see the module's docstring).
FAST_SQLITE_PRAGMAS = ("synchronous = OFF", "cache_size = -65536")


@contextmanager
def _fast_sqlite_build(engine) -> Iterator[None]:
    """SQLite connections opened inside run with :data:`FAST_SQLITE_PRAGMAS`; closed after."""
    if engine.dialect.name != "sqlite":
        yield
        return

    def fast(dbapi_connection, _record) -> None:
        for pragma in FAST_SQLITE_PRAGMAS:
            dbapi_connection.execute(f"PRAGMA {pragma}")

    db.session.remove()
    engine.dispose()
    event.listen(engine, "connect", fast)
    try:
        yield
    finally:
        event.remove(engine, "connect", fast)
        db.session.remove()
        engine.dispose()  # the app's next connections have SQLite's defaults again


def _search_engine(app):
    try:
        from portal.search import search_engine
    except ImportError:
        return None
    return search_engine(app)


def _insert_tags(seed: int) -> list[int]:
    rng = random.Random(seed + 1)
    first = (db.session.scalar(select(func.max(Tag.id))) or 0) + 1
    names: dict[str, str] = {}
    for place, _weight in PLACES:
        names.setdefault(slugify(place), place)
    for word, _weight in COMMON:
        names.setdefault(slugify(word), word[0].upper() + word[1:])
    while len(names) < 600:
        name = f"{rng.choice(COMMON)[0]} {rng.choice(PLACES)[0]}"
        names.setdefault(slugify(name), name[0].upper() + name[1:])
    existing = set(db.session.scalars(select(Tag.slug)))
    rows = [
        {"name": name, "slug": slug} for slug, name in sorted(names.items()) if slug not in existing
    ]
    for offset, row in enumerate(rows):
        row["id"] = first + offset
    if rows:
        db.session.execute(insert(Tag.__table__), rows)
        db.session.commit()
    return [row["id"] for row in rows]


def _insert_articles(n, seed, categories, tag_ids, engine, say, advance) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    three_years = 3 * 365 * 24 * 3600
    first = (db.session.scalar(select(func.max(Article.id))) or 0) + 1
    used_slugs: dict[str, int] = {}
    if engine is not None:
        from portal.search.providers import ArticleValues, article_document
    started = time.perf_counter()
    for start in range(0, n, BATCH):
        articles, links, documents = [], [], []
        for article_id in range(first + start, first + min(start + BATCH, n)):
            title, lead, paragraphs = make_article_text(rng)
            slug = slugify(title)
            count = used_slugs.get(slug, 0)
            used_slugs[slug] = count + 1
            if count:
                slug = f"{slug}-{count + 1}"
            if rng.random() < 0.005:  # scheduled: public in the coming weeks
                published = now + timedelta(seconds=rng.randint(3600, 30 * 24 * 3600))
            else:
                published = now - timedelta(seconds=rng.randint(0, three_years))
            category_id = rng.choice(categories)
            body_html = "".join(f"<p>{p}</p>" for p in paragraphs)
            articles.append(
                {
                    "id": article_id,
                    "external_id": f"bench:{article_id}",
                    "title": title,
                    "slug": slug,
                    "lead": lead,
                    "body_html": body_html,
                    "image": "",
                    "image_caption": "",
                    "image_alt": "",
                    "author": rng.choice(["Hoàng Anh", "Minh Thư", "Nông Văn Tú", "Lục Thị Hà"]),
                    "source": "",
                    "category_id": category_id,
                    "status": "published",
                    "published_at": published,
                    "created_at": published,
                    "updated_at": published,
                    "version": 1,
                    "view_count": rng.randint(0, 5000),
                }
            )
            for tag_id in rng.sample(tag_ids, rng.randint(0, 3)):
                links.append({"article_id": article_id, "tag_id": tag_id})
            if engine is not None:
                values = ArticleValues(
                    id=article_id,
                    title=title,
                    slug=slug,
                    language="vi",
                    lead=lead,
                    body_html=body_html,
                    published_at=published,
                    category_id=category_id,
                )
                documents.append(article_document(values))
        db.session.execute(insert(Article.__table__), articles)
        if links:
            db.session.execute(insert(article_tags), links)
        if documents:
            engine.index(documents)
        db.session.commit()
        done = min(start + BATCH, n)
        if advance is not None:
            advance(done - start)
        if done % 20_000 == 0 or done == n:
            say(f"  {done} articles ({time.perf_counter() - started:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--database-url", help="default: a new temporary SQLite file")
    parser.add_argument("--no-index", action="store_true", help="leave the search index empty")
    args = parser.parse_args()
    with click.progressbar(length=args.articles, label="Articles", file=sys.stderr) as bar:
        app = build_site(
            args.database_url,
            args.articles,
            index=not args.no_index,
            progress=lambda message: print(message, file=sys.stderr),
            advance=bar.update,
        )
    print(f"database: {app.config['SQLALCHEMY_DATABASE_URI']}")


if __name__ == "__main__":
    main()
