"""Litestar and Piccolo at or above the versions that fix their known vulnerabilities (security.md, "Floors"):
both the copies installed here and every version ``pyproject.toml`` lets an installation pick."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"

FLOORS = {
    # CVE-2024-52581, CVE-2025-59152, CVE-2026-25478/79/80, CVE-2026-48060/61
    "litestar": Version("2.22"),
    # CVE-2023-41885, CVE-2023-47128
    "piccolo": Version("1.1.1"),
}


@pytest.mark.parametrize("package", sorted(FLOORS))
def test_the_installed_version_meets_the_floor(package: str) -> None:
    installed = Version(version(package))
    assert installed >= FLOORS[package], f"{package} {installed} is below {FLOORS[package]}: upgrade it"


@pytest.mark.parametrize("package", sorted(FLOORS))
def test_the_declared_requirement_admits_no_version_below_the_floor(package: str) -> None:
    declared = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    [requirement] = [r for r in map(Requirement, declared) if r.name == package]
    lower_bounds = [Version(s.version) for s in requirement.specifier if s.operator in (">=", ">", "~=", "==")]
    assert lower_bounds, f"{requirement} has no lower bound"
    assert max(lower_bounds) >= FLOORS[package], f"{requirement} lets {package} below {FLOORS[package]} in"
