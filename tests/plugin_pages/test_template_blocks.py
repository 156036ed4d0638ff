"""docs/plugins/pages.md lists exactly the {% block %}s of the site templates it documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES_DOC = ROOT / "docs" / "plugins" / "pages.md"
TEMPLATES = ROOT / "templates"


def documented_blocks() -> dict[str, list[str]]:
    """Template name → the blocks in its table, in order."""
    text = PAGES_DOC.read_text(encoding="utf-8")
    section = text.split("## Template blocks of the site templates", 1)[1]
    parts = re.split(r"^### `([\w/.]+)`\s*$", section, flags=re.M)
    return {
        parts[i]: re.findall(r"^\| `(\w+)` \|", parts[i + 1], flags=re.M)
        for i in range(1, len(parts), 2)
    }


def template_blocks(name: str) -> list[str]:
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    return re.findall(r"{%-?\s*block\s+(\w+)", source)


def test_the_documented_templates_are_the_base_templates():
    assert set(documented_blocks()) == {"base.html", "layouts/_page.html", "admin/base.html"}


@pytest.mark.parametrize("name", sorted(documented_blocks()))
def test_documented_blocks_match_the_template(name):
    documented = documented_blocks()[name]
    actual = template_blocks(name)
    assert documented, f"pages.md lists no block for {name}"
    assert sorted(documented) == sorted(actual), (
        f"{name}: template has {actual}, pages.md documents {documented}"
    )
