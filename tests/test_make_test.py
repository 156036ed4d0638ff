"""`make test` (the README's test command): what it checks before pytest, and the one
flag for quick local runs, QUICK=1, which leaves out the tests marked slow."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def planned_commands(*arguments: str) -> list[str]:
    """What `make test` would run (a dry run: nothing is installed or tested)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", "test", *arguments],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.splitlines()


def tool(commands: list[str], name: str) -> list[str]:
    return [line for line in commands if line.split(" ", 1)[0].endswith(f"/{name}")]


def test_make_test_checks_style_formatting_and_layers_before_pytest():
    commands = planned_commands()
    pytest_line = commands.index(tool(commands, "pytest")[0])
    checks = [
        commands.index(line) for line in tool(commands, "ruff") + tool(commands, "lint-imports")
    ]
    assert {line.split(" ", 1)[1] for line in tool(commands, "ruff")} == {
        "check .",
        "format --check .",
    }
    assert len(tool(commands, "lint-imports")) == 1
    assert checks and max(checks) < pytest_line
    assert "slow" not in commands[pytest_line]


def test_the_tests_run_on_at_most_two_workers_with_the_browser_tests_grouped():
    """One pytest-xdist worker per core, at most two (CI has two cores), unless asked."""
    workers = min(len(os.sched_getaffinity(0)), 2)  # what `nproc` counts
    assert tool(planned_commands(), "pytest")[0].split(" ", 1)[1] == (
        f"-n {workers} --dist loadgroup"
    )
    assert tool(planned_commands("TEST_WORKERS=4"), "pytest")[0].split(" ", 1)[1] == (
        "-n 4 --dist loadgroup"
    )


def test_quick_leaves_out_the_slow_tests_and_nothing_else():
    quick = planned_commands("QUICK=1")
    full = planned_commands()
    assert tool(quick, "pytest") == [tool(quick, "pytest")[0]]
    assert tool(quick, "pytest")[0] == tool(full, "pytest")[0] + ' -m "not slow"'
    assert [line for line in quick if "pytest" not in line] == [
        line for line in full if "pytest" not in line
    ]


@pytest.mark.slow
def test_quick_runs_leave_out_every_browser_test_and_keep_the_others():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-m", "not slow", "tests/browser", "tests/test_text.py"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    kept = [line for line in result.stdout.splitlines() if "::" in line]
    assert kept and all(line.startswith("tests/test_text.py::") for line in kept)
    deselected = re.search(r"\((\d+) deselected\)", result.stdout)
    assert deselected and int(deselected.group(1)) >= 10, result.stdout


def test_make_run_serves_on_5000_unless_given_another_port():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")

    def serve_line(*arguments: str) -> str:
        result = subprocess.run(
            ["make", "--dry-run", "--no-print-directory", "run", *arguments],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return next(line for line in result.stdout.splitlines() if " run --host " in line)

    assert serve_line().endswith("run --host 127.0.0.1 --port 5000")
    assert serve_line("PORT=5055").endswith("run --host 127.0.0.1 --port 5055")
