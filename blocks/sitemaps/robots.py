"""robots.txt: the text admins edit, checked line by line, and what is served."""

from __future__ import annotations

import re

#: The most robots.txt text an admin may save (bytes, UTF-8); Google reads 500 KiB at most.
MAX_BYTES = 10 * 1024

#: Directives a line may hold (case-insensitive), as crawlers read them.
DIRECTIVES = {"user-agent", "allow", "disallow", "crawl-delay", "sitemap", "host", "clean-param"}

DEFAULT_ROBOTS = """\
# Mọi trình thu thập được đọc trang công khai; không đọc trang quản trị,
# trang đăng nhập và kết quả tìm kiếm.
User-agent: *
Disallow: /admin/
Disallow: /dang-nhap
Disallow: /dang-xuat
Disallow: /tim-kiem?
Allow: /
"""

LINE_RE = re.compile(r"^\s*([A-Za-z-]+)\s*:\s*(.*?)\s*$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def lines_of(text: str) -> list[str]:
    """The text's lines, whatever line endings it was typed with, without trailing spaces."""
    return [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def check_robots(text: str) -> None:
    """Refuse text that is not robots.txt: ``ValueError`` with a Vietnamese message."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ValueError(
            f"Nội dung robots.txt dài quá {MAX_BYTES // 1024} KB; hãy rút gọn rồi lưu lại."
        )
    if CONTROL_RE.search(text):
        raise ValueError("Nội dung robots.txt có ký tự điều khiển; hãy gõ lại bằng văn bản thường.")
    for number, line in enumerate(lines_of(text), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = LINE_RE.match(stripped)
        if match is None or match.group(1).lower() not in DIRECTIVES:
            raise ValueError(
                f"Dòng {number} (“{stripped[:80]}”) không phải chỉ thị robots.txt. "
                "Mỗi dòng là một chú thích bắt đầu bằng #, hoặc một chỉ thị "
                "User-agent, Allow, Disallow, Crawl-delay hay Sitemap, dạng “Tên: giá trị”."
            )
        name, value = match.group(1).lower(), match.group(2)
        if name in {"allow", "disallow"} and value and not value.startswith(("/", "*")):
            raise ValueError(
                f"Dòng {number}: đường dẫn sau {match.group(1)} phải bắt đầu bằng / hoặc *."
            )
        if name == "user-agent" and not value:
            raise ValueError(f"Dòng {number}: User-agent cần tên trình thu thập, hoặc *.")
        if name == "crawl-delay" and not re.fullmatch(r"\d+(\.\d+)?", value):
            raise ValueError(f"Dòng {number}: Crawl-delay cần một số giây, ví dụ 5.")


def robots_body(text: str, sitemap_url: str) -> str:
    """What ``/robots.txt`` answers: the admins' text, then the ``Sitemap:`` line."""
    body = "\n".join(lines_of(text)).strip("\n")
    sitemap_line = f"Sitemap: {sitemap_url}"
    return f"{body}\n\n{sitemap_line}\n" if body else f"{sitemap_line}\n"
