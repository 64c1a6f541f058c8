from __future__ import annotations

import pytest

from careloop.demo import extensions


@pytest.fixture(autouse=True)
def _core_demo_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the core demo shop; each capability tests its own demo module."""
    monkeypatch.setattr(extensions, "DEMO_MODULES", [])
