"""docs/plugins/tutorial.md, part two, replayed: generate a package with a table, write
the files the chapter shows, install it, run its own tests, build its table with
`portal init-db` and find it in `portal plugins` as the chapter shows.

The result must be exactly the example distribution in examples/portal-contacts.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "plugins" / "tutorial.md"
EXAMPLE = ROOT / "examples" / "portal-contacts"
PART_TWO = "\n# Part two: "
FILE_MARKER = re.compile(r"^(?:# |/\* |\{# )file: (?P<path>\S+)(?: \*/| #\})?$")
CODE_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def part_two() -> str:
    text = TUTORIAL.read_text(encoding="utf-8")
    assert PART_TWO in text, "the tutorial has lost its second part"
    return text.partition(PART_TWO)[2]


def chapter_files() -> dict[str, str]:
    """The files the chapter tells the reader to write, by path inside the package."""
    files = {}
    for _, block in CODE_BLOCK.findall(part_two()):
        first, _, rest = block.partition("\n")
        marker = FILE_MARKER.match(first)
        if marker:
            files[marker.group("path")] = rest
    return files


def chapter_commands() -> list[str]:
    return [line for lang, block in CODE_BLOCK.findall(part_two()) if lang == "sh"
            for line in block.splitlines() if line.strip()]  # fmt: skip


def example_files() -> dict[Path, bytes]:
    return {p.relative_to(EXAMPLE): p.read_bytes() for p in EXAMPLE.rglob("*")
            if p.is_file() and not {"__pycache__", "build"} & set(p.parts)
            and ".egg-info" not in str(p)}  # fmt: skip


@pytest.fixture
def database_url():
    """Files and packages only: SQLite is enough."""
    return None


def test_the_chapter_shows_every_file_and_command():
    assert set(chapter_files()) == {
        "portal_contacts/__init__.py",
        "portal_contacts/models.py",
        "portal_contacts/migrations/0001_contacts_items.py",
        "portal_contacts/templates/contacts/contacts.html",
        "portal_contacts/templates/contacts/directory.html",
        "portal_contacts/templates/contacts/admin.html",
        "portal_contacts/static/contacts.css",
        "tests/conftest.py",
        "tests/test_contacts.py",
    }
    assert chapter_commands() == [
        ".venv/bin/flask --app wsgi portal new-block contacts --with-model --dir ../my-blocks",
        ".venv/bin/pip install -e ../my-blocks/portal-contacts",
        ".venv/bin/pytest ../my-blocks/portal-contacts/tests",
        ".venv/bin/flask --app wsgi portal init-db",
        ".venv/bin/flask --app wsgi portal plugins",
    ]


def test_the_files_of_the_chapter_are_those_of_the_example():
    """The quick half of the replay: what the chapter shows is what examples/ holds."""
    example = example_files()
    for relative, text in chapter_files().items():
        assert example[Path(relative)] == text.encode("utf-8"), f"{relative} has drifted"


def test_the_plugin_uses_only_the_public_api():
    """The chapter's code imports from `portal` only names of its public API."""
    import portal

    imported = set()
    for path, text in chapter_files().items():
        if not path.endswith(".py"):
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "portal":
                assert node.module in {"portal", "portal.testing"}, f"{path} imports {node.module}"
                if node.module == "portal":
                    imported |= {alias.name for alias in node.names}
    assert {"Model", "PluginSetting", "render_portal_page", "bump_data_version"} <= imported
    assert imported <= set(portal.__all__), imported - set(portal.__all__)


def install(package: Path, target: Path) -> dict[str, str]:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         str(package)],
        check=True, capture_output=True,
    )  # fmt: skip
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(target), env.get("PYTHONPATH")]))
    return env


@pytest.mark.slow
def test_following_the_chapter_gives_the_example_and_it_works(runner, tmp_path):
    workdir = tmp_path / "my-blocks"
    workdir.mkdir()
    args = ["portal", "new-block", "contacts", "--with-model", "--dir", str(workdir)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    package = workdir / "portal-contacts"
    for relative, text in chapter_files().items():
        (package / relative).write_text(text, encoding="utf-8")

    written = {p.relative_to(package): p.read_bytes() for p in package.rglob("*") if p.is_file()}
    example = example_files()
    example.pop(Path("README.md"))
    written.pop(Path("README.md"))
    assert written == example, "the tutorial and examples/portal-contacts have drifted apart"

    env = install(package, tmp_path / "site")
    own_tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=package, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert own_tests.returncode == 0, own_tests.stdout + own_tests.stderr
    shown = re.search(r"^(\d+ passed)$", part_two(), re.M).group(1)
    assert shown in own_tests.stdout

    portal_env = {**env, "PORTAL_INSTANCE_PATH": str(tmp_path / "instance")}
    portal_env.pop("DATABASE_URL", None)
    for command in (["init-db"], ["plugins"]):
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "portal", *command],
            cwd=ROOT, env=portal_env, capture_output=True, text=True,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
    listed = done.stdout.split("contacts 0.1.0", 1)[1].split("\n\n", 1)[0].splitlines()[:5]
    shown = part_two().split("\ncontacts 0.1.0", 1)[1].split("```", 1)[0].splitlines()[:5]
    assert [line.split() for line in listed] == [line.split() for line in shown]

    toml = re.search(r"^ *```toml\n(.*?)^ *```", part_two(), re.S | re.M)[1]
    (tmp_path / "instance" / "plugins.toml").write_text(textwrap.dedent(toml), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "portal", "plugins", "--settings"],
        cwd=ROOT, env=portal_env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Danh bạ cơ quan nhà nước tỉnh (từ instance file)" in done.stdout
    assert "False (từ instance file)" in done.stdout


@pytest.mark.slow
def test_the_example_keeps_the_blocks_rule(tmp_path):
    """The project's import contract for blocks holds for the plugin (tests aside)."""
    import json
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}
    rule = {**contracts["blocks-public-api"], "source_modules": ["portal_contacts"]}
    lines = ["[tool.importlinter]", 'root_packages = ["portal", "portal_contacts"]',
             "[[tool.importlinter.contracts]]"]  # fmt: skip
    lines += [f"{key} = {json.dumps(value)}" for key, value in rule.items()]
    (tmp_path / "contracts.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(EXAMPLE), str(ROOT)])}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-logo", "--no-cache",
         str(tmp_path / "contracts.toml")],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Blocks use only the public plugin API KEPT" in result.stdout
