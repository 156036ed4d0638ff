"""Benchmark: `portal import`, `portal export` and `portal import-site` on a big site.

``python bench/exchange.py [--articles N] [--database-url URL] [--write-docs]``

1. writes an import file (docs/import-format.md) of ``N`` generated articles
   (100,000 by default; the realistic Vietnamese text of ``bench/big_site.py``,
   spread over a few categories, 0.5 % scheduled, a few drafts);
2. runs ``flask --app wsgi portal import FILE`` into a fresh database, the
   documented way, in a child process;
3. runs ``portal export`` of that site to a .zip;
4. runs ``portal import-site`` of the archive into another fresh database.

Each step is a separate process: the table gives its wall time and its peak
resident memory (``ru_maxrss`` of that child, from ``os.wait4``), and the
archive's size. SQLite (a file in a temporary folder) always; PostgreSQL too
with ``--database-url`` (its tables are dropped, twice: give it a database of
its own). ``--write-docs`` puts the table into docs/performance.md, between
the markers of its own section. Never part of ``make test``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import http_bench  # noqa: E402
from big_site import SEED, make_article_text  # noqa: E402

START_MARKER = "<!-- exchange-bench:start -->"
END_MARKER = "<!-- exchange-bench:end -->"
DOCS_HEADING = "## Import and export of a big site (make bench)"
DOCS_INTRO = """\
`bench/exchange.py` writes an import file of generated articles
(docs/import-format.md), imports it with `portal import` into a fresh
database, exports the site with `portal export` and imports the archive with
`portal import-site` into another fresh database, each command in its own
process as an administrator would run it. Peak memory is the resident set
of that process (`ru_maxrss`). The issue's targets: the 100,000-article
import within 120 s, the export within 300 MB.
"""
SECTION_BEFORE = "## Content events per request"
CATEGORIES = [
    ("thoi-su", "Thời sự"),
    ("kinh-te", "Kinh tế"),
    ("van-hoa-xa-hoi", "Văn hóa – Xã hội"),
    ("nong-nghiep", "Nông nghiệp"),
    ("giao-duc", "Giáo dục"),
]
AUTHORS = ["Minh Hải", "Thu Trang", "Hoàng Long", "Lan Anh", "Nông Văn Tiến"]
#: Sizes the portal refuses by default (50 MB import file...): a 100,000-article file is larger.
LIMITS = {
    "PORTAL_MAX_IMPORT_BYTES": str(4 * 1024**3),
    "PORTAL_IMPORT_MAX_CONTENT_BYTES": str(4 * 1024**3),
    "PORTAL_IMPORT_MAX_UNPACKED_BYTES": str(8 * 1024**3),
}


def write_import_file(path: Path, n: int, seed: int = SEED) -> None:
    """An import file of ``n`` articles, written a record at a time."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    with path.open("w", encoding="utf-8") as out:
        categories = [{"slug": slug, "name": name} for slug, name in CATEGORIES]
        out.write('{"version": 1,\n "categories": ')
        out.write(json.dumps(categories, ensure_ascii=False))
        out.write(',\n "articles": [')
        for number in range(n):
            title, lead, body = make_article_text(rng)
            draw = rng.random()
            if draw < 0.005:  # scheduled: published in the coming weeks
                published = now + timedelta(minutes=rng.randint(60, 60 * 24 * 30))
            else:
                published = now - timedelta(minutes=rng.randint(1, 60 * 24 * 365 * 3))
            record = {
                "external_id": f"bench-{number:07d}",
                "title": title,
                "lead": lead,
                "body_html": "".join(f"<p>{paragraph}</p>" for paragraph in body),
                "author": rng.choice(AUTHORS),
                "category": rng.choice(CATEGORIES)[0],
                "status": "draft" if 0.005 <= draw < 0.01 else "published",
                "published_at": published.isoformat(),
            }
            out.write(("," if number else "") + "\n  " + json.dumps(record, ensure_ascii=False))
        out.write("\n ]\n}\n")


@dataclass
class Step:
    name: str
    seconds: float
    cpu_seconds: float
    peak_mb: float
    output: str


def run_step(name: str, arguments: list[str], env: dict[str, str]) -> Step:
    """Run ``flask --app wsgi portal ...`` in a child process; its time and peak memory."""
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "portal", *arguments]
    log(f"{name}: {' '.join(arguments)}")
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
        # wait4 gives this child's own peak (RUSAGE_CHILDREN is the largest of all children).
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        output, errors = out.read(), err.read()
    if child.returncode != 0:
        sys.exit(f"{name} failed ({child.returncode}):\n{output}\n{errors[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    log(f"  {seconds:.1f} s ({cpu:.1f} s CPU), {usage.ru_maxrss / 1024:.0f} MB: {output[-200:]}")
    return Step(name, seconds, cpu, usage.ru_maxrss / 1024, output.strip())


def fresh_database(url: str | None, folder: Path, name: str) -> str:
    """The URL of an empty database: a new SQLite file, or ``url`` with every table dropped."""
    if url is None:
        return f"sqlite:///{folder / name}.db"
    from sqlalchemy import MetaData, create_engine
    from sqlalchemy.pool import NullPool

    from portal.config import database_uri

    engine = create_engine(database_uri(url), poolclass=NullPool)
    tables = MetaData()
    tables.reflect(engine)  # every table, the migrations' own included
    tables.drop_all(engine)
    engine.dispose()
    return url


def environment(database_url: str, instance: Path) -> dict[str, str]:
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(LIMITS)
    env.update(
        {
            "DATABASE_URL": database_url,
            "PORTAL_INSTANCE_PATH": str(instance),
            "PORTAL_CACHE_URL": "none",
            "PORTAL_EVENT_SWEEP_SECONDS": "0",
            "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        }
    )
    env.pop("PORTAL_REDIS_URL", None)
    return env


def run_database(label: str, url: str | None, import_file: Path, n: int, folder: Path) -> dict:
    """Import, export and import-site on one database; the figures of each step."""
    work = folder / label
    work.mkdir()
    first = fresh_database(url, work, "imported")
    env = environment(first, work / "instance-import")
    run_step(f"{label} init-db", ["init-db"], env)
    imported = run_step(f"{label} import", ["import", str(import_file)], env)
    archive = work / "site.zip"
    exported = run_step(f"{label} export", ["export", str(archive)], env)
    second = fresh_database(url, work, "restored")
    env2 = environment(second, work / "instance-restore")
    run_step(f"{label} init-db", ["init-db"], env2)
    restored = run_step(f"{label} import-site", ["import-site", str(archive)], env2)
    return {
        "label": label,
        "import": imported,
        "per_article_ms": imported.cpu_seconds * 1000 / n,
        "export": exported,
        "archive_mb": archive.stat().st_size / 1024**2,
        "import_site": restored,
    }


def markdown_table(results: list[dict], n: int, file_mb: float) -> str:
    lines = [
        "| database | `portal import` | CPU per article | `portal export` | archive "
        "| `portal import-site` |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r['label']} "
            f"| {_step(r['import'])} "
            f"| {r['per_article_ms']:.2f} ms "
            f"| {_step(r['export'])} "
            f"| {r['archive_mb']:.0f} MB "
            f"| {_step(r['import_site'])} |"
        )
    return "\n".join(lines)


def _step(step: Step) -> str:
    return f"{step.seconds:.1f} s ({step.cpu_seconds:.1f} s CPU), {step.peak_mb:.0f} MB"


def report(results: list[dict], n: int, file_mb: float, load_before: float) -> str:
    load_after = os.getloadavg()[0]
    return "\n".join(
        [
            f"Figures of {dt.date.today().isoformat()}: {n:,} articles, an import file of "
            f"{file_mb:.0f} MB; {os.cpu_count()} CPUs, load average {load_before:.2f} "
            f"before the run, {load_after:.2f} after. Time is the command's wall time and "
            "CPU time (user and system; start-up included), memory its peak resident set.",
            "",
            markdown_table(results, n, file_mb),
        ]
    )


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL") or None,
        help="also PostgreSQL at this URL (default: BENCH_DATABASE_URL); its tables are dropped",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--write-docs", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    folder = args.keep or Path(tempfile.mkdtemp(prefix="portal-exchange-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import_file = folder / "articles.json"
        started = time.perf_counter()
        write_import_file(import_file, args.articles)
        file_mb = import_file.stat().st_size / 1024**2
        log(f"import file: {args.articles:,} articles, {file_mb:.0f} MB "
            f"({time.perf_counter() - started:.1f} s)")  # fmt: skip
        results = []
        if not args.no_sqlite:
            results.append(run_database("SQLite", None, import_file, args.articles, folder))
        if args.database_url:
            results.append(
                run_database("PostgreSQL", args.database_url, import_file, args.articles, folder)
            )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    section = report(results, args.articles, file_mb, load_before)
    print(section)
    if args.write_docs:
        http_bench.write_docs(
            section,
            start=START_MARKER,
            end=END_MARKER,
            heading=DOCS_HEADING,
            intro=DOCS_INTRO,
            before=SECTION_BEFORE,
        )


if __name__ == "__main__":
    main()
