"""The layers' import contracts (pyproject.toml; `make test` runs `lint-imports` on the
project before pytest). Here: each contract breaks when something crosses its line,
and the blocks' rule holds for what plugin authors start from, the `new-block`
scaffold and examples/portal-countdown."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from portal.scaffold import create_block_package

pytestmark = pytest.mark.slow  # each test runs lint-imports in a process of its own

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTENT_RULE = "The content layer never uses the web layer"
BLOCKS_RULE = "Blocks use only the public plugin API"


def project_contracts() -> dict[str, dict]:
    """The contracts of pyproject.toml by id."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {contract["id"]: contract for contract in config["tool"]["importlinter"]["contracts"]}


def lint(
    folder: Path, root_packages: list[str], contracts: list[dict], path: list[Path]
) -> subprocess.CompletedProcess:
    """Run lint-imports with these contracts on packages found first on ``path``."""
    lines = ["[tool.importlinter]", f"root_packages = {json.dumps(root_packages)}"]
    for contract in contracts:
        lines.append("[[tool.importlinter.contracts]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in contract.items()]
    config = folder / "contracts.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in path)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache", str(config)],
        cwd=folder, env=env, capture_output=True, text=True,
    )  # fmt: skip


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A copy of the portal and blocks packages, to plant a forbidden import in."""
    for package in ("portal", "blocks"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return tmp_path


def lint_checkout(checkout: Path) -> subprocess.CompletedProcess:
    result = lint(checkout, ["portal", "blocks"], list(project_contracts().values()), [checkout])
    assert "Analyzed" in result.stdout, result.stdout + result.stderr
    return result


def test_a_block_importing_a_core_module_breaks_the_blocks_contract(checkout):
    probe = checkout / "blocks" / "reaching"
    probe.mkdir()
    (probe / "__init__.py").write_text("from portal.models import Category\n", encoding="utf-8")

    result = lint_checkout(checkout)
    assert result.returncode != 0
    assert f"{BLOCKS_RULE} BROKEN" in result.stdout
    assert "blocks.reaching -> portal.models" in result.stdout
    assert f"{CONTENT_RULE} KEPT" in result.stdout


def test_the_content_layer_reaching_the_web_layer_indirectly_breaks_its_contract(checkout):
    (checkout / "portal" / "content" / "reaching.py").write_text(
        "import portal.go_between\n", encoding="utf-8"
    )
    (checkout / "portal" / "go_between.py").write_text(
        "from portal.web import vendor\n", encoding="utf-8"
    )

    result = lint_checkout(checkout)
    assert result.returncode != 0
    assert f"{CONTENT_RULE} BROKEN" in result.stdout
    assert "portal.content.reaching -> portal.go_between" in result.stdout
    assert f"{BLOCKS_RULE} KEPT" in result.stdout


def scaffolded(tmp_path: Path) -> Path:
    return create_block_package("countdown", tmp_path, set())


def scaffolded_with_model(tmp_path: Path) -> Path:
    return create_block_package("countdown", tmp_path, set(), with_model=True)


@pytest.mark.parametrize(
    "distribution",
    [
        pytest.param(scaffolded, id="new-block"),
        pytest.param(scaffolded_with_model, id="new-block-with-model"),
        pytest.param(None, id="example"),
    ],
)
def test_plugins_authors_start_from_keep_the_blocks_rule(tmp_path, distribution):
    folder = distribution(tmp_path) if distribution else ROOT / "examples" / "portal-countdown"
    assert (folder / "portal_countdown" / "__init__.py").is_file()
    rule = {**project_contracts()["blocks-public-api"], "source_modules": ["portal_countdown"]}

    result = lint(tmp_path, ["portal", "portal_countdown"], [rule], [folder])
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{BLOCKS_RULE} KEPT" in result.stdout
