"""Steps the import's tests share: the command line against the tests' database, files in a folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def giveback(*arguments: str, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command line against the tests' database (or another), as a coordinator would."""
    environment = {**os.environ, "GIVEBACK_DATABASE_URL": database_url or os.environ["GIVEBACK_DATABASE_URL"]}
    return subprocess.run(
        [sys.executable, "-m", "giveback", *arguments],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


def write(folder: Path, name: str, content: bytes) -> str:
    path = folder / name
    path.write_bytes(content)
    return str(path)
