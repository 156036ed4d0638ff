"""docs/plugins/tutorial.md, replayed: generate, write the files it shows, install,
run the plugin's own tests, and find the block through its entry point.

The result must be exactly the example distribution in examples/portal-countdown,
which is also shown to be discovered through its entry point, never imported by the core.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "plugins" / "tutorial.md"
EXAMPLE = ROOT / "examples" / "portal-countdown"
FILE_MARKER = re.compile(r"^(?:# |/\* |\{# )file: (?P<path>\S+)(?: \*/| #\})?$")
PART_TWO = "\n# Part two: "  # replayed by tests/test_plugin_tutorial_data.py


def part_one() -> str:
    """The countdown chapter: the tutorial up to its second part."""
    return TUTORIAL.read_text(encoding="utf-8").partition(PART_TWO)[0]


def tutorial_files() -> dict[str, str]:
    """The files the tutorial tells the reader to write, by path inside the package."""
    files = {}
    for block in re.findall(r"^```\w*\n(.*?)^```", part_one(), re.S | re.M):
        first, _, rest = block.partition("\n")
        marker = FILE_MARKER.match(first)
        if marker:
            files[marker.group("path")] = rest
    return files


def tutorial_commands() -> list[str]:
    text = part_one()
    return [line for block in re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M)
            for line in block.splitlines() if line.strip()]  # fmt: skip


@pytest.fixture
def database_url():
    """Files and packages only: SQLite is enough."""
    return None


def install(package: Path, target: Path) -> dict[str, str]:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         str(package)],
        check=True, capture_output=True,
    )  # fmt: skip
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(target), env.get("PYTHONPATH")]))
    return env


def test_the_tutorial_shows_every_file_of_the_block():
    assert set(tutorial_files()) == {
        "portal_countdown/__init__.py",
        "portal_countdown/templates/countdown/countdown.html",
        "portal_countdown/static/countdown.css",
        "tests/test_countdown.py",
    }
    commands = tutorial_commands()
    assert ".venv/bin/flask --app wsgi portal new-block countdown --dir ../my-blocks" in commands
    assert ".venv/bin/pip install -e ../my-blocks/portal-countdown" in commands


@pytest.mark.slow
def test_following_the_tutorial_gives_the_example_and_it_works(runner, tmp_path):
    workdir = tmp_path / "my-blocks"
    workdir.mkdir()
    result = runner.invoke(args=["portal", "new-block", "countdown", "--dir", str(workdir)])
    assert result.exit_code == 0, result.output
    package = workdir / "portal-countdown"
    for relative, text in tutorial_files().items():
        (package / relative).write_text(text, encoding="utf-8")

    written = {p.relative_to(package): p.read_bytes() for p in package.rglob("*") if p.is_file()}
    example = {p.relative_to(EXAMPLE): p.read_bytes() for p in EXAMPLE.rglob("*")
               if p.is_file() and not {"__pycache__", "build"} & set(p.parts)
               and ".egg-info" not in str(p)}  # fmt: skip
    example.pop(Path("README.md"))
    written.pop(Path("README.md"))
    assert written == example, "the tutorial and examples/portal-countdown have drifted apart"

    env = install(package, tmp_path / "site")
    own_tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=package, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert own_tests.returncode == 0, own_tests.stdout + own_tests.stderr
    assert "6 passed" in own_tests.stdout

    blocks = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "portal", "blocks"],
        cwd=ROOT, env={**env, "PORTAL_INSTANCE_PATH": str(tmp_path / "instance")},
        capture_output=True, text=True,
    )  # fmt: skip
    shown = re.search(r"^countdown +Đếm.*$", part_one(), re.M).group(0)
    listed = next(line for line in blocks.stdout.splitlines() if line.startswith("countdown "))
    assert listed.split() == shown.split()


DISCOVERY_CHECK = """
import sys
from portal.plugins import plugins_of
from portal.testing import make_app

assert "portal_countdown" not in sys.modules
app = make_app()
info = plugins_of(app).plugins["countdown"]
print(info.source, info.distribution, info.version, info.module, sorted(info.blocks))
"""


@pytest.mark.slow
def test_the_example_distribution_is_found_through_its_entry_point(tmp_path):
    copy = tmp_path / "portal-countdown"  # pip builds in the source folder: keep the checkout clean
    shutil.copytree(
        EXAMPLE, copy, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info")
    )
    env = install(copy, tmp_path / "site")
    found = subprocess.run(
        [sys.executable, "-c", DISCOVERY_CHECK], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == [
        "entry", "point", "portal-countdown", "0.1.0", "portal_countdown", "['countdown']",
    ]  # fmt: skip
    core = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "portal").rglob("*.py"))
    assert not re.search(r"(import|from) portal_countdown", core), "the core never imports it"
