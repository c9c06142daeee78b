"""requirements.lock (what `make install` and CI install) matches pyproject.toml: every declared
dependency is locked at a version its specifier allows, with hashes, and holidays is pinned exactly."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) of every package in the lock."""
    text = (ROOT / "requirements.lock").read_text()
    locked = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9_.\-]+)==([^\s;\\]+)", block)
        if match:
            locked[canonicalize_name(match[1])] = (match[2], block.count("--hash=sha256:"))
    return locked


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]


def test_every_declared_dependency_is_locked_at_an_allowed_version_with_hashes():
    locked = _locked()
    assert len(locked) > 50
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in locked, "{} is not in requirements.lock: run make lock".format(requirement)
        version, hashes = locked[name]
        assert requirement.specifier.contains(version, prereleases=True), (requirement, version)
        assert hashes >= 1, name


def test_holidays_is_pinned_exactly_because_it_decides_legal_deadlines():
    (holidays,) = [r for r in _declared() if canonicalize_name(r.name) == "holidays"]
    (spec,) = holidays.specifier
    assert spec.operator == "=="
    assert _locked()["holidays"][0] == spec.version
