"""Meta-tests: every hook is documented (with its real arguments) and exercised by a test."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from portal import hookspecs

ROOT = Path(__file__).resolve().parent.parent
HOOK_DOCS = ROOT / "docs" / "plugins" / "hooks.md"


def hook_specs() -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(func)
        for name, func in vars(hookspecs).items()
        if name.startswith("portal_") and callable(func)
    }


def documented_sections() -> dict[str, str]:
    text = HOOK_DOCS.read_text(encoding="utf-8")
    parts = re.split(r"^## (portal_\w+)\s*$", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_hook_specs_exist_and_are_named_portal():
    specs = hook_specs()
    assert {"portal_register_blocks", "portal_setup_app", "portal_content_changed"} <= set(specs)
    for name, func in vars(hookspecs).items():
        if getattr(func, "portal_spec", None) is not None:
            assert name.startswith("portal_"), name


@pytest.mark.parametrize("name", sorted(hook_specs()))
def test_every_hook_has_a_docstring(name):
    doc = inspect.getdoc(getattr(hookspecs, name)) or ""
    assert "Called" in doc, f"{name} docstring must say when it is called"


@pytest.mark.parametrize("name", sorted(hook_specs()))
def test_every_hook_is_documented_with_its_arguments(name):
    sections = documented_sections()
    assert name in sections, f"docs/plugins/hooks.md has no '## {name}' section"
    section = sections[name]
    signature = hook_specs()[name]
    shown = re.search(r"def (portal_\w+)\((.*?)\)", section, flags=re.S)
    assert shown and shown.group(1) == name, f"{name}: the section must show its signature"
    shown_args = [a.split(":")[0].strip() for a in shown.group(2).split(",") if a.strip()]
    assert shown_args == list(signature.parameters), f"{name}: documented arguments differ"
    if signature.parameters:
        for arg in signature.parameters:
            assert f"* `{arg}`" in section, f"{name}: argument {arg} is not described"
    else:
        assert "Arguments: none." in section


def test_no_section_documents_a_hook_that_does_not_exist():
    assert set(documented_sections()) <= set(hook_specs())


@pytest.mark.parametrize("name", sorted(hook_specs()))
def test_every_hook_is_exercised_by_a_test(name):
    implemented = [
        path
        for path in (ROOT / "tests").rglob("*.py")
        if path.name != "test_hook_docs.py"
        and re.search(rf"def {name}\(", path.read_text(encoding="utf-8"))
    ]
    assert implemented, f"no test plugin implements {name}"
