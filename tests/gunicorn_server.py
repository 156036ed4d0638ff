"""The command that serves the portal the documented way in tests: gunicorn with
deploy/gunicorn.conf.py and the package's own entry point ``portal.wsgi:app``."""

from __future__ import annotations

import subprocess
import sys


def gunicorn_command() -> list[str]:
    """``python -m gunicorn -c deploy/gunicorn.conf.py [--no-control-socket] portal.wsgi:app``
    (run from the repository root; newer gunicorns open a control socket unless told not to)."""
    command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"]
    help_text = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--help"], capture_output=True, text=True
    ).stdout
    if "--no-control-socket" in help_text:
        command.append("--no-control-socket")
    return [*command, "portal.wsgi:app"]
