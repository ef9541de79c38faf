"""Item 5: deeply nested JSON is refused with a 400 naming the body (no 500, no stack trace in the log); the
command line refuses such a file with exit status 2."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

DEPTH = 100_000
NESTED = ("[" * DEPTH + "]" * DEPTH).encode()
NESTED_OBJECT = ('{"a":' * DEPTH + "1" + "}" * DEPTH).encode()


@pytest.mark.parametrize("body", [NESTED, NESTED_OBJECT], ids=["arrays", "objects"])
@pytest.mark.parametrize("path", ["/api/auth/signup", "/api/auth/login", "/api/auth/password-reset"])
async def test_deeply_nested_json_is_a_400_for_anyone(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, path: str, body: bytes
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = await client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "body"
    assert "Traceback" not in caplog.text


def _giveback(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "giveback", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=os.environ.copy(),
    )


@pytest.mark.parametrize(
    "command", [["solve", "{file}", "--time-limit", "1"], ["round", "import-result", "1", "{file}"]]
)
def test_the_command_line_refuses_a_deeply_nested_file_with_exit_status_2(temp_dir: Path, command: list[str]) -> None:
    nested = temp_dir / "nested.json"
    nested.write_bytes(NESTED_OBJECT)
    finished = _giveback(*[part.replace("{file}", str(nested)) for part in command])
    assert finished.returncode == 2, finished.stderr
    assert "Traceback" not in finished.stderr
    assert "nested too deeply" in finished.stderr
