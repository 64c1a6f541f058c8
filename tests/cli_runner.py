"""Runs the real `careloop` CLI in a subprocess against a test database."""

from __future__ import annotations

import os
import subprocess
import sys


def careloop(db_url: str, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARELOOP_DATABASE_URL": db_url, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "careloop.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        input=input,
        timeout=120,
    )
