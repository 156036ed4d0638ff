"""``portal check --deploy``: what a production site still gets wrong, each with its fix.

In the spirit of Django's ``check --deploy``: the embedded defaults are made
for ``make run`` on one machine (http, SQLite, in-process cache, the
machine's own host names); a public site needs other values, and forgetting
one is silent until it hurts. Each check looks at the app's settings and the
instance files only (no database or network round trip) and returns
:class:`Problem` rows with the setting to change.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from sqlalchemy.engine import make_url

from portal.config import DEFAULTS
from portal.hosts import base_url, trusted_hosts
from portal.i18n import translate
from portal.owner_only import open_paths
from portal.web.security import hsts_header

#: A secret key shorter than this, or with fewer different characters, is guessable.
MIN_SECRET_LENGTH = 32
MIN_SECRET_CHARACTERS = 10
GENERATE_KEY = "python -c 'import secrets; print(secrets.token_hex(32))'"


@dataclass(frozen=True)
class Problem:
    """One thing to fix: which check found it, what is wrong, and how to fix it."""

    check: str
    message: str
    fix: str

    def __str__(self) -> str:
        return line(self.check, self.message, self.fix)


def line(check: str, message: str, fix: str) -> str:
    """One problem as ``portal check --deploy`` prints it, in the interface language."""
    return translate("{check}: {message}. Cách sửa: {fix}.").format(
        check=check, message=message, fix=fix
    )


def _secret_key(app: Flask, workers: int) -> list[Problem]:
    key = str(app.config.get("SECRET_KEY") or "")
    fix = translate(
        "đặt PORTAL_SECRET_KEY thành một giá trị ngẫu nhiên dài ({command}), hoặc bỏ nó đi để "
        "dùng khóa được tạo sẵn trong thư mục instance"
    ).format(command=GENERATE_KEY)
    if len(key) < MIN_SECRET_LENGTH:
        message = translate("khóa bí mật chỉ dài {count} ký tự").format(count=len(key))
        return [Problem("secret-key", message, fix)]
    if len(set(key)) < MIN_SECRET_CHARACTERS:
        message = translate("khóa bí mật chỉ dùng {count} ký tự khác nhau").format(
            count=len(set(key))
        )
        return [Problem("secret-key", message, fix)]
    return []


def _base_url(app: Flask, workers: int) -> list[Problem]:
    base = base_url(app)
    if app.config["PORTAL_BASE_URL"] == DEFAULTS["PORTAL_BASE_URL"]:
        return [
            Problem(
                "base-url",
                translate(
                    "PORTAL_BASE_URL vẫn để giá trị mặc định {base}, nên liên kết chia sẻ và "
                    "liên kết chuẩn (canonical) trỏ về chính máy này"
                ).format(base=base),
                translate(
                    "đặt PORTAL_BASE_URL thành địa chỉ công khai của site, ví dụ https://example.org"
                ),
            )
        ]
    if not base.is_https:
        return [
            Problem(
                "base-url",
                translate("PORTAL_BASE_URL {base} không dùng https").format(base=base),
                translate("phục vụ site qua HTTPS và đặt PORTAL_BASE_URL dạng https://…"),
            )
        ]
    return []


def _trusted_hosts(app: Flask, workers: int) -> list[Problem]:
    hosts = trusted_hosts(app.config)
    if hosts is None:
        return [
            Problem(
                "trusted-hosts",
                translate(
                    "PORTAL_TRUSTED_HOSTS chứa *, nên yêu cầu gửi tới bất kỳ tên máy chủ nào "
                    "cũng được phục vụ"
                ),
                translate(
                    "liệt kê các tên máy chủ của site, ví dụ PORTAL_TRUSTED_HOSTS={host}"
                ).format(host=base_url(app).host),
            )
        ]
    broad = [entry for entry in hosts if entry.startswith(".") and "." not in entry[1:]]
    if broad:
        return [
            Problem(
                "trusted-hosts",
                translate(
                    "PORTAL_TRUSTED_HOSTS tin cậy cả những tên miền cấp cao nhất ({domains})"
                ).format(domains=", ".join(broad)),
                translate(
                    "chỉ liệt kê các tên máy chủ của chính site (dấu chấm ở đầu tin cậy mọi "
                    "tên miền con)"
                ),
            )
        ]
    return []


def _hsts(app: Flask, workers: int) -> list[Problem]:
    if hsts_header(app) is None:
        return [
            Problem(
                "hsts",
                translate(
                    "HSTS đang tắt (PORTAL_HSTS_SECONDS=0): trình duyệt vẫn có thể thử HTTP "
                    "thường trước"
                ),
                translate("đặt PORTAL_HSTS_SECONDS={seconds} (một năm)").format(
                    seconds=DEFAULTS["PORTAL_HSTS_SECONDS"]
                ),
            )
        ]
    return []


def _secure_cookies(app: Flask, workers: int) -> list[Problem]:
    if not app.config.get("SESSION_COOKIE_SECURE"):
        return [
            Problem(
                "secure-cookies",
                translate(
                    "cookie phiên và cookie đăng nhập cũng được gửi qua HTTP thường "
                    "(PORTAL_SECURE_COOKIES={value})"
                ).format(value=app.config["PORTAL_SECURE_COOKIES"]),
                translate("đặt PORTAL_SECURE_COOKIES=auto kèm một PORTAL_BASE_URL https, hoặc =on"),
            )
        ]
    return []


def _debug(app: Flask, workers: int) -> list[Problem]:
    if app.debug:
        return [
            Problem(
                "debug",
                translate(
                    "chế độ gỡ lỗi (debug) của Flask đang bật: khi có lỗi, khách truy cập thấy "
                    "mã nguồn và trình gỡ lỗi"
                ),
                translate("bỏ FLASK_DEBUG và đừng dùng --debug"),
            )
        ]
    return []


def _path_labels() -> dict[str, str]:
    """What each guarded path is (:mod:`portal.owner_only` labels), in the interface language."""
    return {
        "instance folder": translate("thư mục instance"),
        "secret key": translate("tệp khóa bí mật"),
        "SQLite database": translate("tệp cơ sở dữ liệu SQLite"),
        "media folder": translate("thư mục media"),
        "attachments folder": translate("thư mục tệp đính kèm"),
    }


def _file_permissions(app: Flask, workers: int) -> list[Problem]:
    labels = _path_labels()
    return [
        Problem(
            "file-permissions",
            translate("{label} {path} mở cho các tài khoản khác (quyền {mode})").format(
                label=labels.get(item.label, item.label),
                path=item.path,
                mode=f"{stat.S_IMODE(item.path.stat().st_mode):o}",
            ),
            item.fix,
        )
        for item in open_paths(app)
    ]


def _shared_state(app: Flask, workers: int) -> list[Problem]:
    if workers <= 1:
        return []
    url = str(app.config.get("PORTAL_CACHE_URL") or "")
    problems = []
    if url == "memory":
        problems.append(
            Problem(
                "cache",
                translate(
                    "PORTAL_CACHE_URL=memory giữ bộ nhớ đệm khối riêng trong từng tiến trình của "
                    "{workers} tiến trình worker, và một lần sửa chỉ xóa bộ nhớ đệm của một "
                    "tiến trình"
                ).format(workers=workers),
                translate("đặt PORTAL_CACHE_URL=redis://host:6379/0"),
            )
        )
    if not url.startswith(("redis://", "rediss://", "unix://")):
        problems.append(
            Problem(
                "view-buffer",
                translate(
                    "lượt xem bài viết được gom tạm trong từng tiến trình của {workers} tiến "
                    "trình worker (không có Redis) và mất khi một tiến trình dừng"
                ).format(workers=workers),
                translate(
                    "đặt PORTAL_CACHE_URL=redis://host:6379/0 (bộ đệm lượt xem cũng dùng nó)"
                ),
            )
        )
    return problems


def _metrics(app: Flask, workers: int) -> list[Problem]:
    from portal import metrics

    if workers <= 1 or not metrics.enabled(app) or metrics.multiprocess_dir(app):
        return []
    return [
        Problem(
            "metrics-multiprocess",
            translate(
                "PORTAL_METRICS đang bật với {workers} tiến trình worker nhưng không có thư mục "
                "đa tiến trình: /metrics sẽ chỉ trả về số liệu của tiến trình worker được hỏi"
            ).format(workers=workers),
            translate(
                "đặt PROMETHEUS_MULTIPROC_DIR (hoặc PORTAL_METRICS_MULTIPROC_DIR) thành một thư "
                "mục trống mà các tiến trình worker ghi được, và dùng deploy/gunicorn.conf.py"
            ),
        )
    ]


def _database(app: Flask, workers: int) -> list[Problem]:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        return [
            Problem(
                "database",
                translate("cơ sở dữ liệu là SQLite ({database})").format(
                    database=url.database or translate("trong bộ nhớ")
                ),
                translate("dùng PostgreSQL: DATABASE_URL=postgresql://user:password@host/dbname"),
            )
        ]
    return []


def _proxy(app: Flask, workers: int) -> list[Problem]:
    if base_url(app).is_https and not int(app.config.get("PORTAL_PROXY_COUNT") or 0):
        return [
            Problem(
                "proxy-count",
                translate(
                    "PORTAL_BASE_URL dùng https nhưng PORTAL_PROXY_COUNT=0: sau proxy HTTPS, mọi "
                    "yêu cầu trông như HTTP thường đến từ địa chỉ của proxy (giới hạn đăng nhập "
                    "theo địa chỉ khi đó áp dụng cho tất cả mọi người)"
                ),
                translate(
                    "đặt PORTAL_PROXY_COUNT bằng số proxy đứng trước cổng thông tin (thường là 1)"
                ),
            )
        ]
    return []


def _storage(app: Flask, workers: int) -> list[Problem]:
    from portal.storage import check_settings

    return [
        Problem(
            "storage", message.rstrip("."), translate("xem docs/operations.md, mục “File storage”")
        )
        for message in check_settings(app.config)
    ]


def _edge_purge(app: Flask, workers: int) -> list[Problem]:
    from portal.content.edge_purge import settings_problems

    return [
        Problem(
            "edge-purge",
            message,
            translate("xem docs/operations.md, mục “Whole pages and a caching proxy”"),
        )
        for message in settings_problems(app.config)
    ]


def _mail(app: Flask, workers: int) -> list[Problem]:
    from portal.mail import settings_problems

    return [
        Problem(
            "mail",
            message.removeprefix("mail: "),
            translate("xem docs/operations.md, mục “E-mail”"),
        )
        for message in settings_problems(app.config)
    ]


CHECKS: tuple[Callable[[Flask, int], list[Problem]], ...] = (
    _secret_key,
    _base_url,
    _trusted_hosts,
    _hsts,
    _secure_cookies,
    _proxy,
    _debug,
    _file_permissions,
    _database,
    _shared_state,
    _storage,
    _edge_purge,
    _mail,
    _metrics,
)


def deploy_problems(app: Flask, *, workers: int = 1) -> list[Problem]:
    """Every problem the checks find for ``app`` served by ``workers`` processes."""
    return [problem for check in CHECKS for problem in check(app, workers)]


def workers_from_environment(environ: dict[str, str] | None = None) -> int:
    """How many worker processes the server will start, as far as the environment tells.

    ``WEB_CONCURRENCY`` (read by gunicorn and most platforms), else ``-w N`` /
    ``--workers N`` in ``GUNICORN_CMD_ARGS``; 1 when neither says.
    """
    environ = os.environ if environ is None else environ
    raw = environ.get("WEB_CONCURRENCY", "").strip()
    if raw.isdigit():
        return int(raw)
    found = re.search(r"(?:-w|--workers)[ =]?(\d+)", environ.get("GUNICORN_CMD_ARGS", ""))
    return int(found.group(1)) if found else 1
