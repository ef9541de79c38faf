"""Litestar and Piccolo at or above the versions that fix their known vulnerabilities (security.md, "Floors"):
both the copies installed here and every version ``pyproject.toml`` lets an installation pick."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib import metadata
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
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


LOCK = Path(__file__).parents[2] / "docker" / "requirements.lock"
IMPORTING_CODE = [Path(__file__).parents[2] / "src" / "giveback", Path(__file__).parents[2] / "solver"]


def _declared() -> list[Requirement]:
    return [Requirement(r) for r in tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]]


def _pins() -> dict[str, tuple[Version, int]]:
    """The lock file's ``name==version`` lines, each with how many hashes it carries."""
    pins: dict[str, tuple[Version, int]] = {}
    current = ""
    for line in LOCK.read_text().splitlines():
        if "==" in line and not line.lstrip().startswith(("#", "--")):
            name, _, rest = line.partition("==")
            current = canonicalize_name(name)
            pins[current] = (Version(rest.split()[0]), 0)
        elif "--hash=sha256:" in line and current:
            pinned, count = pins[current]
            pins[current] = (pinned, count + 1)
    return pins


def test_the_image_lock_file_pins_every_runtime_dependency_with_hashes() -> None:
    pins = _pins()
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in docker/requirements.lock: run `make lock`"
        pinned, hashes = pins[name]
        assert requirement.specifier.contains(pinned, prereleases=True), (
            f"the lock pins {name} {pinned}, outside {requirement}: run `make lock`"
        )
        assert hashes, f"{name} has no hash in the lock file"


def _provided_by_declared() -> set[str]:
    """Distributions the declared requirements bring in by name or through the extras they ask for."""
    provided: set[str] = set()
    for requirement in _declared():
        provided.add(canonicalize_name(requirement.name))
        for extra in requirement.extras:
            for sub in map(Requirement, metadata.requires(requirement.name) or []):
                if sub.marker is not None and sub.marker.evaluate({"extra": extra}):
                    provided.add(canonicalize_name(sub.name))
    return provided


def test_every_imported_package_is_declared() -> None:
    """numpy was imported by the solver without being declared: an install from pyproject alone would break."""
    owners = metadata.packages_distributions()
    provided = _provided_by_declared()
    missing = set()
    for folder in IMPORTING_CODE:
        for source in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names or top in {"giveback", "solver"}:
                        continue
                    if not {canonicalize_name(d) for d in owners.get(top, [top])} & provided:
                        missing.add(f"{top} (in {source.name})")
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"
