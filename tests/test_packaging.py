"""The distribution ships every package, the site templates and the blocks' files."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def listed_packages() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(config["tool"]["setuptools"]["packages"])


def test_every_package_folder_is_listed_in_pyproject():
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("portal", "blocks")
        for init in (ROOT / top).rglob("__init__.py")
    }
    missing = found - listed_packages()
    assert not missing, f"add these to [tool.setuptools] packages: {sorted(missing)}"


def test_every_builtin_entry_point_module_is_a_listed_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    entry_points = config["project"]["entry-points"]["portal.plugins"]
    packages = listed_packages()
    for name, target in entry_points.items():
        module = target.split(":")[0]
        assert module in packages or module.rsplit(".", 1)[0] in packages, name


@pytest.mark.slow
def test_wheel_contains_site_templates_and_block_assets(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    wheel = next(tmp_path.glob("blockportal-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "portal/site_templates/base.html" in names
    assert "portal/site_templates/layouts/one_column.html" in names
    assert "blocks/bulletin_toolbar/static/toolbar.js" in names
    assert "blocks/bulletin_view/templates/bulletin_view/view.html" in names
    assert "portal/static/site.css" in names
    assert "portal/migrations/env.py" in names
    assert "portal/migrations/versions/0001_initial_schema.py" in names
    assert "portal/content/demo_data/articles.json" in names  # the demo is data
    assert "portal/content/demo_data/photos-and-dates.json" in names
