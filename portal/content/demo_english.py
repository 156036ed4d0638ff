"""The demo's English site: ``/en`` with its categories, articles and pages.

Decree 42/2022/NĐ-CP asks a provincial portal for essential information in
English. The demo has three English categories (``news``, ``investment``,
``tourism``), six English articles reusing the demo's photos, and the pages
``/en``, ``/en/about``, ``/en/contact``, ``/en/search`` plus the English
category and article templates. Each English item names its Vietnamese
equivalent where there is one (``translation_of_id``), which the language
switcher and the ``hreflang`` links follow. Loading adds only what is missing.
Everything here is invented for demonstration.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.content.demo_pages import BlockSpec, DemoPage, article_section, place_blocks
from portal.content.importer import import_records
from portal.extensions import db
from portal.models import Article, Category, MediaImage, Page

ENGLISH = "en"
EXTERNAL_PREFIX = "demo-en:"

#: (slug, name, description, slug of the Vietnamese equivalent)
CATEGORIES = (
    ("news", "News", "News from Bắc Kạn province.", "thoi-su"),
    ("investment", "Investment", "Investment opportunities and the economy.", "kinh-te"),
    ("tourism", "Tourism", "Places to visit, festivals and culture.", "van-hoa-du-lich"),
)

#: (key, category, photo number, days ago, title, lead, paragraphs)
ARTICLES: tuple[tuple[str, str, int, int, str, str, tuple[str, ...]], ...] = (
    (
        "ten-years-of-directive-30",
        "news",
        1,
        1,
        "Bắc Kạn reviews ten years of Directive No. 30-CT/TW",
        "The provincial Party Committee reviewed how Directive No. 30-CT/TW on "
        "grassroots democracy has been carried out in Bắc Kạn over the past decade.",
        (
            "Since the directive was issued, communes and wards across the province have "
            "published their budgets, land plans and public investment projects so that "
            "residents can follow and comment on them.",
            "Speakers at the review conference noted that citizens now take part in "
            "choosing and supervising small infrastructure works such as village roads, "
            "irrigation canals and cultural houses.",
            "The province will continue to train commune officials in receiving citizens "
            "and in answering their questions on the provincial portal.",
        ),
    ),
    (
        "provincial-council-questions-land-management",
        "news",
        3,
        4,
        "Provincial People's Council questions land and environment management",
        "Delegates asked the Department of Natural Resources and Environment about "
        "land allocation, mineral licensing and waste treatment in rural districts.",
        (
            "The question-and-answer session lasted a full morning and was broadcast live "
            "on provincial radio and television.",
            "The department committed to publishing the land-use plans of every district "
            "on the provincial portal before the end of the year.",
            "Delegates also asked for faster handling of complaints about land compensation "
            "in road and irrigation projects.",
        ),
    ),
    (
        "investment-promotion-conference",
        "investment",
        5,
        2,
        "Bắc Kạn invites investors in agriculture and eco-tourism",
        "At its investment promotion conference the province presented 40 projects in "
        "high-tech agriculture, forestry processing and eco-tourism.",
        (
            "Investors were introduced to the province's incentives on land rent, "
            "vocational training and administrative procedures handled online.",
            "Specialities such as Bắc Kạn seedless persimmons, Chợ Đồn tea and Ba Bể "
            "dong riềng glass noodles were highlighted as products with export potential.",
            "The provincial People's Committee signed memoranda of understanding with "
            "twelve companies at the close of the conference.",
        ),
    ),
    (
        "one-stop-shop-for-investors",
        "investment",
        6,
        8,
        "A one-stop shop for investment procedures",
        "The provincial Public Administration Service Centre now receives and returns "
        "every investment procedure in one place, online or at its counters.",
        (
            "Processing times for investment policy decisions have been cut by a third "
            "compared with the time limits set by law.",
            "Investors can follow the progress of their files on the national public "
            "service portal and receive results by post.",
            "A hotline and an online form let investors report any delay, which the "
            "centre must answer within two working days.",
        ),
    ),
    (
        "ba-be-lake-autumn",
        "tourism",
        8,
        3,
        "Ba Bể Lake welcomes visitors in the golden season",
        "Ba Bể, Vietnam's largest natural freshwater lake, is at its most beautiful in "
        "autumn, when the forests around it turn gold.",
        (
            "Visitors can take a boat through the Puông cave, visit the Đầu Đẳng waterfall "
            "and stay with Tày families in the stilt houses of Pác Ngòi village.",
            "Ba Bể National Park is also an ASEAN Heritage Park and a Ramsar wetland of "
            "international importance.",
            "Homestays around the lake have been upgraded, and local guides now offer "
            "kayaking and forest walks in English.",
        ),
    ),
    (
        "long-tong-festival",
        "tourism",
        7,
        10,
        "The Lồng Tồng festival opens the farming year",
        "Each spring, Tày communities in Bắc Kạn celebrate Lồng Tồng, the going-to-the-"
        "fields festival, to pray for good weather and a rich harvest.",
        (
            "The festival begins with a ceremony at the village temple, followed by "
            "folk games such as còn throwing, tug of war and buffalo fighting.",
            "Visitors are welcome to join the games and taste local dishes such as "
            "five-coloured sticky rice.",
            "Then singing and the tính lute, part of the Tày cultural heritage, accompany "
            "the celebrations late into the evening.",
        ),
    ),
)

ABOUT_HTML = """
<p>Bắc Kạn is a mountainous province in north-eastern Vietnam, about 160 km north
of Hà Nội. It has one city and seven districts, and a population of about 320,000
people of the Tày, Kinh, Dao, Nùng, Mông and other ethnic groups.</p>
<p>More than 70 per cent of the province is covered by forest. Its best-known
landmark is Ba Bể Lake, inside Ba Bể National Park.</p>
"""

CONTACT_HTML = """
<p>Office of the Provincial People's Committee of Bắc Kạn<br>
Address: Bắc Kạn city, Bắc Kạn province, Vietnam (sample address)<br>
Telephone: +84 209 000 0000 (sample number)<br>
E-mail: contact@example.gov.vn</p>
"""


def _section(slug: str, title: str, count: int = 4, style: str = "compact") -> BlockSpec:
    return article_section(slug, title, count=count, style=style)


def english_header_blocks() -> tuple[BlockSpec, ...]:
    """The root page's header blocks, in English: the menu is the ``header-en`` menu."""
    return (
        (
            "header",
            "site_header",
            {
                "title": "Bắc Kạn Provincial Portal",
                "tagline": "Official information of Bắc Kạn province",
                "show_today": True,
            },
        ),
        ("header", "language_switcher", {}),
        ("header", "search_box", {"placeholder": "Search…"}),
        # "menu": the menus plugin's setting of its header menu block.
        ("header", "category_menu", {"show_home": True, "depth": 2, "menu": "header-en"}),
    )


def english_pages() -> list[DemoPage]:
    """The pages of the English site, parents before children."""
    return [
        DemoPage(
            key="home",
            kind="home",
            title="Home",
            path="/en",
            layout="main_sidebar",
            blocked_regions=("header", "main", "sidebar", "footer"),
            blocks=(
                *english_header_blocks(),
                _section("news", "News", 4, "cards"),
                _section("investment", "Investment"),
                _section("tourism", "Tourism"),
                ("sidebar", "rich_text", {"title": "About Bắc Kạn", "html": ABOUT_HTML}),
                # The English footer menu (menus plugin), then the organisation's footer.
                ("footer", "footer_menu", {"menu": "footer-en"}),
                ("footer", "site_footer", {}),
            ),
            equivalent="/",
        ),
        DemoPage(
            key="category",
            kind="category",
            title="English category page",
            parent="home",
            layout="main_sidebar",
            blocked_regions=("main", "sidebar"),
            blocks=(
                ("main", "breadcrumb", {}),
                (
                    "main",
                    "article_list",
                    {"title": "", "category": "", "count": 10, "paginate": True, "style": "list"},
                ),
                ("sidebar", "rich_text", {"title": "Contact", "html": CONTACT_HTML}),
            ),
        ),
        DemoPage(
            key="article",
            kind="article",
            title="English article page",
            parent="home",
            layout="one_column",
            blocked_regions=("main",),
            blocks=(
                ("main", "breadcrumb", {}),
                ("main", "bulletin_toolbar", {"show_font_size": True, "show_print": True}),
                (
                    "main",
                    "bulletin_view",
                    {"show_lead": True, "show_image": True, "show_source": True},
                ),
                ("main", "related_articles", {"title": "Related news", "count": 5}),
            ),
        ),
        DemoPage(
            key="about",
            kind="static",
            title="About Bắc Kạn",
            path="/en/about",
            parent="home",
            layout="main_sidebar",
            blocked_regions=("main",),
            blocks=(("main", "rich_text", {"title": "About Bắc Kạn", "html": ABOUT_HTML}),),
            equivalent="/gioi-thieu",
        ),
        DemoPage(
            key="contact",
            kind="static",
            title="Contact",
            path="/en/contact",
            parent="home",
            layout="main_sidebar",
            blocked_regions=("main",),
            blocks=(("main", "rich_text", {"title": "Contact", "html": CONTACT_HTML}),),
            equivalent="/lien-he",
        ),
        DemoPage(
            key="search",
            kind="search",
            title="Search",
            path="/en/search",
            parent="home",
            layout="main_sidebar",
            blocked_regions=("main", "sidebar"),
            blocks=(("main", "search_results", {}),),
            equivalent="/tim-kiem",
        ),
    ]


def load_english_demo(actor, checked_settings, demo_image_name) -> dict[str, int]:
    """Add the English site's missing categories, articles and pages; return what was added.

    ``checked_settings(block_name, settings)`` cleans placement settings as the
    demo does; ``demo_image_name(n)`` names demo photo ``n`` in the media library.
    """
    added = {"categories": 0, "articles": 0, "pages": 0, "placements": 0}
    categories = _ensure_categories(added)
    _ensure_articles(actor, categories, demo_image_name, added)
    _ensure_pages(checked_settings, added)
    return added


def _ensure_categories(added: dict[str, int]) -> dict[str, Category]:
    existing = {c.slug: c for c in db.session.scalars(select(Category))}
    for position, (slug, name, description, equivalent) in enumerate(CATEGORIES, start=100):
        if slug in existing:
            continue
        original = existing.get(equivalent)
        category = Category(
            name=name,
            slug=slug,
            description=description,
            position=position,
            language=ENGLISH,
            translation_of_id=original.id if original is not None else None,
        )
        db.session.add(category)
        existing[slug] = category
        added["categories"] += 1
    db.session.flush()
    return existing


def _ensure_articles(actor, categories, demo_image_name, added: dict[str, int]) -> None:
    existing = set(
        db.session.scalars(
            select(Article.external_id).where(Article.external_id.like(f"{EXTERNAL_PREFIX}%"))
        )
    )
    photos = {
        media.original_name: media
        for media in db.session.scalars(
            select(MediaImage).where(MediaImage.original_name.like("demo-%"))
        )
    }
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    records = []
    for key, category, photo, days_ago, title, lead, paragraphs in ARTICLES:
        if EXTERNAL_PREFIX + key in existing:
            continue
        record = {
            "external_id": EXTERNAL_PREFIX + key,
            "title": title,
            "category": category,
            "status": "published",
            "published_at": (now - timedelta(days=days_ago, hours=photo)).isoformat(),
            "lead": lead,
            "body_html": "".join(f"<p>{text}</p>" for text in paragraphs),
            "author": "Provincial Portal",
            "image_caption": "Illustration: a landscape of Bắc Kạn province.",
        }
        found = photos.get(demo_image_name(photo))
        if found is not None:
            record["image"] = found.stored_name
            record["image_alt"] = f"Illustration: a landscape of Bắc Kạn ({title})"
        records.append(record)
    if not records:
        return
    report = import_records({"version": 1, "articles": records}, actor=actor)
    if report.errors:
        problems = "; ".join(f"{e.index} {e.field}: {e.message}" for e in report.errors)
        raise ValueError(f"the English demo articles did not import: {problems}")
    added["articles"] += report.created
    # The first English news translates the first Vietnamese demo article (the same event).
    first = db.session.scalar(
        select(Article).where(Article.external_id == EXTERNAL_PREFIX + ARTICLES[0][0])
    )
    original = db.session.scalar(
        select(Article).where(
            Article.external_id == "demo:bac-kan-sau-10-nam-thuc-hien-chi-thi-so-30-ct-tw"
        )
    )
    if first is not None and original is not None and first.translation_of_id is None:
        first.translation_of_id = original.id


def _ensure_pages(checked_settings, added: dict[str, int]) -> None:
    by_path = {p.path: p for p in db.session.scalars(select(Page)) if p.path}
    english = {
        (p.kind, p.path): p
        for p in db.session.scalars(select(Page).where(Page.language == ENGLISH))
    }
    made: dict[str, Page] = {}
    for spec in english_pages():
        found = english.get((spec.kind, spec.path)) or (
            by_path.get(spec.path) if spec.path else None
        )
        if found is not None:
            made[spec.key] = found
            continue
        parent = made.get(spec.parent) if spec.parent else by_path.get("/")
        original = by_path.get(spec.equivalent) if spec.equivalent else None
        page = Page(
            kind=spec.kind,
            title=spec.title,
            path=spec.path,
            layout=spec.layout,
            parent_id=parent.id if parent is not None else None,
            blocked_regions=list(spec.blocked_regions),
            language=ENGLISH,
            translation_of_id=original.id if original is not None else None,
        )
        db.session.add(page)
        db.session.flush()
        made[spec.key] = page
        added["pages"] += 1
        # Cleaned by the block's form: "menu" stays once the menus plugin's header
        # menu block has that setting, and is dropped (not an error) before.
        added["placements"] += place_blocks(page, spec.blocks, checked_settings)
    db.session.flush()
