"""The documentation is read on other machines: it names files by paths relative to the repository (the specs as
``../shared/spec/…``), never by one machine's absolute path."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
MACHINE_PATH = re.compile(r"(?<![\w.~])/(?:work|root|home|Users)/[\w.-]+")


def test_no_document_names_an_absolute_path_of_one_machine() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {match.group(0)}"
        for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
        for number, line in enumerate(path.read_text().splitlines(), 1)
        for match in MACHINE_PATH.finditer(line)
    ]
    assert not found, "absolute machine paths in the docs:\n" + "\n".join(found)
