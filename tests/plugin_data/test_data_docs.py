"""docs/plugins/data.md: its examples are real code, and the sample plugin follows them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugins"
SAMPLE = Path(__file__).resolve().parent / "plugins" / "notes"


def python_blocks(page: str) -> list[str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("page", ["data.md", "block-api.md"])
def test_python_examples_compile(page):
    blocks = python_blocks(page)
    assert blocks, f"{page} shows no Python example"
    for number, block in enumerate(blocks):
        code = compile(block, f"{page} example {number}", "exec")  # a SyntaxError fails the test
        assert code.co_filename == f"{page} example {number}"


def test_the_documented_model_and_first_migration_are_the_sample_plugins():
    model, migration = python_blocks("data.md")[:2]
    sample_model = (SAMPLE / "__init__.py").read_text(encoding="utf-8")
    for line in ["class Note(Model):", '__tablename__ = "notes_items"', "PORTAL_MIGRATIONS"]:
        assert line in model and line in sample_model
    sample_migration = (SAMPLE / "migrations" / "0001_notes_items.py").read_text(encoding="utf-8")
    documented_upgrade = migration[migration.index("def upgrade") :]
    assert documented_upgrade.strip() in sample_migration
