"""Well-behaved blocks that let rendering tests see what happened.

* ``marker`` shows its ``text`` setting (inheritance and ordering tests).
* ``steady`` always renders the same line (a neighbour of failing blocks).
* ``render_counter`` shows how many times it has really rendered in this app.
* ``flaky`` renders until the app's config says ``TEST_FLAKY_FAILS``.
* ``article_title`` shows the article's title, cached and tagged by article.
* ``category_name`` shows the name of the category being listed.
* ``with_assets`` declares a CSS and a JS file (in ../static/).
* ``batched`` records how its ``prefetch`` was called.
"""

from wtforms import Form, StringField

from portal import NO_CACHE, Block, CachePolicy, hookimpl


def _bump(app, counter: str) -> int:
    counts = app.extensions.setdefault("test_counts", {})
    counts[counter] = counts.get(counter, 0) + 1
    return counts[counter]


class MarkerSettings(Form):
    text = StringField("Chữ", default="mốc")


class Marker(Block):
    name = "marker"
    label = "Mốc"
    description = "Hiện một dòng chữ để kiểm tra thứ tự."
    settings_form = MarkerSettings
    template = "marker/marker.html"
    cache = NO_CACHE


class Steady(Block):
    name = "steady"
    label = "Khối ổn định"
    description = "Luôn hiển thị được."
    template = "steady/steady.html"
    cache = NO_CACHE


class RenderCounter(Block):
    name = "render_counter"
    label = "Bộ đếm"
    description = "Đếm số lần thật sự hiển thị."
    settings_form = MarkerSettings
    template = "render_counter/counter.html"
    cache = CachePolicy(timeout=300, vary_on={"locale", "page"})

    def get_context(self, ctx, settings):
        return {"count": _bump(ctx.app, "render_counter")}


class Flaky(Block):
    name = "flaky"
    label = "Khối chập chờn"
    description = "Hỏng khi cấu hình TEST_FLAKY_FAILS bật."
    template = "flaky/flaky.html"
    cache = CachePolicy(timeout=60, vary_on={"locale", "page"})

    def get_context(self, ctx, settings):
        if ctx.app.config.get("TEST_FLAKY_FAILS"):
            raise RuntimeError("flaky block is failing now")
        return {"count": _bump(ctx.app, "flaky")}


class ArticleTitle(Block):
    name = "article_title"
    label = "Tiêu đề bài"
    description = "Tiêu đề của bài đang xem."
    template = "article_title/title.html"
    cache = CachePolicy(timeout=600, vary_on={"locale", "article"}, tags={"article"})
    needs = frozenset({"article"})


class CategoryName(Block):
    name = "category_name"
    label = "Tên chuyên mục"
    description = "Tên của chuyên mục đang xem."
    template = "category_name/name.html"
    cache = CachePolicy(timeout=600, vary_on={"locale", "category"}, tags={"category"})
    needs = frozenset({"category"})


class WithAssets(Block):
    name = "with_assets"
    label = "Có tệp tĩnh"
    description = "Khai báo một tệp CSS và một tệp JS."
    template = "steady/steady.html"
    css = ("probe.css",)
    js = ("probe.js",)
    cache = NO_CACHE


class Batched(Block):
    name = "batched"
    label = "Nạp theo lô"
    description = "Ghi lại cách prefetch được gọi."
    settings_form = MarkerSettings
    template = "batched/batched.html"
    cache = NO_CACHE

    @classmethod
    def prefetch(cls, ctx, settings_list):
        calls = ctx.app.extensions.setdefault("test_prefetch_calls", [])
        calls.append([settings["text"] for settings in settings_list])
        return {settings["text"]: settings["text"].upper() for settings in settings_list}

    def get_context(self, ctx, settings):
        return {"prefetched_text": ctx.prefetched[settings["text"]]}


@hookimpl
def portal_register_blocks():
    return [
        Marker,
        Steady,
        RenderCounter,
        Flaky,
        ArticleTitle,
        CategoryName,
        WithAssets,
        Batched,
    ]
