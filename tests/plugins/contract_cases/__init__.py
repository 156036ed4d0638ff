"""Block types that each break one rule of the block contract (for tests of the harness)."""

from wtforms import Form, IntegerField, StringField
from wtforms.validators import InputRequired

from portal import Block, CachePolicy


class GoodNotice(Block):
    name = "contract_good"
    label = "Thông báo mẫu"
    description = "Một khối đúng mọi quy ước."
    group = "Thử nghiệm"
    template = "contract_good/block.html"


class BadName(GoodNotice):
    name = "Bad-Name"


class NoLabel(GoodNotice):
    name = "contract_no_label"
    template = "contract_no_label/block.html"
    label = ""


class MissingTemplate(GoodNotice):
    name = "contract_missing_template"
    template = "contract_missing_template/nowhere.html"


class TemplateOutsideItsFolder(GoodNotice):
    name = "contract_wrong_folder"
    template = "contract_good/block.html"


class RequiredSettingWithoutDefault(GoodNotice):
    name = "contract_required"
    template = "contract_required/block.html"

    class settings_form(Form):  # noqa: N801 — the attribute the Block API names
        title = StringField("Tiêu đề", validators=[InputRequired("Hãy nhập tiêu đề.")])


class MissingCss(GoodNotice):
    name = "contract_missing_css"
    template = "contract_missing_css/block.html"
    css = ("nowhere.css",)


class CacheAcrossLanguages(GoodNotice):
    name = "contract_cache_locale"
    template = "contract_cache_locale/block.html"
    cache = CachePolicy(timeout=60, vary_on={"page"})


class ArticleCachedForEveryArticle(GoodNotice):
    name = "contract_cache_article"
    template = "contract_cache_article/block.html"
    needs = frozenset({"article"})
    cache = CachePolicy(timeout=60, vary_on={"locale"})


class RaisesWhenRendered(GoodNotice):
    name = "contract_raises"
    template = "contract_raises/block.html"

    def get_context(self, ctx, settings):
        raise RuntimeError("hỏng khi hiển thị")


class PrintsNone(GoodNotice):
    name = "contract_prints_none"
    template = "contract_prints_none/block.html"


class Counter(GoodNotice):
    name = "contract_counter"
    template = "contract_counter/block.html"

    class settings_form(Form):  # noqa: N801
        count = IntegerField("Số lượng", default=3)
