"""The shipped journeys and message templates are package data: an installed wheel has them.

Hatch's wheel builder puts every file under `packages = ["src/careloop"]` into the wheel
(Hatch docs, "Wheel builder" → "packages"), so the playbooks live in src/careloop/playbooks.
The wheel is built with the project's own uv (`uv build --wheel`, uv docs "Building
distributions"), the same tool `make install` uses."""

from __future__ import annotations

import subprocess
import zipfile
from importlib import resources
from pathlib import Path

from careloop.channels.templates import shipped_template_keys
from careloop.journeys.loader import shipped_files

ROOT = Path(__file__).resolve().parents[1]
UV = ROOT / ".tools" / "bin" / "uv"


def test_the_shipped_playbooks_are_resources_of_the_careloop_package() -> None:
    package = resources.files("careloop") / "playbooks"
    journeys = {p.name for p in (package / "journeys").iterdir() if p.name.endswith(".yaml")}
    templates = {p.name for p in (package / "templates").iterdir() if p.name.endswith(".yaml")}
    assert "golden_hours.yaml" in journeys and journeys == {p.name for p in shipped_files()}
    assert templates == {f"{key}.yaml" for key in shipped_template_keys()}


def test_a_built_wheel_contains_every_shipped_journey_and_template(tmp_path: Path) -> None:
    subprocess.run(
        [str(UV), "build", "--wheel", "--out-dir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("careloop-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in shipped_files():
        assert f"careloop/playbooks/journeys/{path.name}" in names
    # The message catalogue, compiled by the build (hatch_build.py), not only its sources.
    for locale in ("en", "vi"):
        assert f"careloop/locale/{locale}/LC_MESSAGES/careloop.mo" in names
        assert f"careloop/locale/{locale}/LC_MESSAGES/careloop.po" in names
    for key in shipped_template_keys():
        assert f"careloop/playbooks/templates/{key}.yaml" in names
    assert "careloop/playbooks/journeys/TEMPLATES.md" in names
