"""docs/plugins/block-api.md documents the whole plugin API, checked against the code."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

import portal
from portal.blocks import Block, BlockContext, CachePolicy, SettingsContext
from portal.layouts import Layout, Region

DOCS = Path(__file__).resolve().parent.parent / "docs" / "plugins"


def documented_names() -> set[str]:
    text = (DOCS / "block-api.md").read_text(encoding="utf-8")
    names: set[str] = set()
    for heading in re.findall(r"^#{2,4} (.+)$", text, flags=re.M):
        names.update(re.findall(r"`([\w.]+)`", heading))
    return names


def public_members(cls) -> set[str]:
    return {name for name in vars(cls) if not name.startswith("_")}


def test_every_public_name_of_portal_is_documented():
    missing = set(portal.__all__) - documented_names()
    assert not missing, f"add a section to docs/plugins/block-api.md for: {sorted(missing)}"


@pytest.mark.parametrize("cls", [Block, BlockContext, CachePolicy, SettingsContext])
def test_every_member_is_documented(cls):
    members = public_members(cls)
    if dataclasses.is_dataclass(cls):
        members |= {f.name for f in dataclasses.fields(cls)}
    missing = members - documented_names()
    assert not missing, f"{cls.__name__}: document {sorted(missing)} in block-api.md"


@pytest.mark.parametrize("cls", [Layout, Region])
def test_layout_fields_are_documented(cls):
    expected = {f"{cls.__name__}.{f.name}" for f in dataclasses.fields(cls)}
    missing = expected - documented_names()
    assert not missing, f"document {sorted(missing)} in block-api.md"


def test_no_section_documents_something_that_does_not_exist():
    known = set(portal.__all__) | {"portal"}
    for cls in (Block, BlockContext, CachePolicy, SettingsContext):
        known |= public_members(cls) | {cls.__name__}
        if dataclasses.is_dataclass(cls):
            known |= {f.name for f in dataclasses.fields(cls)}
    for cls in (Layout, Region):
        known |= {f"{cls.__name__}.{f.name}" for f in dataclasses.fields(cls)} | {cls.__name__}
    stale = documented_names() - known
    assert not stale, f"block-api.md documents names that are gone: {sorted(stale)}"


def test_the_guide_links_every_page():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for page in DOCS.glob("*.md"):
        if page.name != "README.md":
            assert f"({page.name})" in index, f"docs/plugins/README.md does not link {page.name}"
