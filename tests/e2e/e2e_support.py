"""What the journeys share: the live server's handle, an actor (one person's browser page), axe-core checks."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
CHROMIUM = os.environ.get("GIVEBACK_E2E_CHROMIUM", "/usr/bin/chromium")
AXE = HERE / "js" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PASSWORD = "correct horse battery staple"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_SECONDS = 60


def missing() -> str:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (run .ci/install-e2e.sh)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is missing (run .ci/install-e2e.sh)"
    if not AXE.exists():
        return f"{AXE.relative_to(ROOT)} is missing (run .ci/install-e2e.sh)"
    return ""


@dataclass
class LiveServer:
    url: str
    mail_dir: Path
    env: dict[str, str]
    log: Path

    def messages_to(self, address: str) -> list[EmailMessage]:
        found = []
        for path in sorted(self.mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
            message = message_from_bytes(path.read_bytes(), policy=default_policy)
            assert isinstance(message, EmailMessage)
            if address.lower() in str(message["To"]).lower():
                found.append(message)
        return found

    def link_to(self, address: str, path: str, *, subject: str = "", timeout: float = 10) -> str:
        """The first absolute link to ``path`` in the newest message to the address (waits for it)."""
        deadline = time.monotonic() + timeout
        while True:
            for message in reversed(self.messages_to(address)):
                if subject and subject.lower() not in str(message["Subject"]).lower():
                    continue
                body = message.get_body(preferencelist=("plain",))
                text = body.get_content() if body is not None else ""
                match = re.search(rf"https?://[^/\s]+{re.escape(path)}[^\s>\"]*", text)
                if match:
                    return match.group(0)
            if time.monotonic() > deadline:
                subjects = [str(m["Subject"]) for m in self.messages_to(address)]
                raise AssertionError(f"no link to {path} in mail to {address}; messages: {subjects}")
            time.sleep(0.1)

    def cli(self, *args: str, extra_env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "giveback", *args],
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def create_user(self, email: str, name: str, *roles: str) -> None:
        role_args = [arg for role in roles for arg in ("--role", role)]
        self.cli("user", "create", email, "--name", name, *role_args, extra_env={"GIVEBACK_NEW_PASSWORD": PASSWORD})


@dataclass
class Actor:
    """One person's browser context and page, with the console errors and axe results it collected."""

    name: str
    page: Any
    context: Any
    journey: str
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)

    async def goto(self, path: str) -> Any:
        response = await self.page.goto(self.base_url + path)
        return response

    async def shot(self, name: str, *, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.journey}-{name}.png"
        await self.page.screenshot(path=str(path), full_page=full_page)
        return path

    async def axe(self, label: str = "") -> list[dict[str, Any]]:
        """Run axe-core on the current page; fail on serious or critical violations."""
        violations = await axe_violations(self.page)
        path = urlsplit(self.page.url).path
        bad = [
            v
            for v in violations
            if v.get("impact") in ("serious", "critical")
            and not any(path.startswith(prefix) and v["id"] == rule for prefix, rule in KNOWN_VIOLATIONS)
        ]
        where = label or self.page.url
        AXE_LOG.append((where, violations))
        assert not bad, f"accessibility violations on {where}:\n" + describe_violations(bad)
        return violations

    async def check(self, name: str) -> None:
        """The page's screenshot, accessibility check, and that it never scrolls sideways (at any width)."""
        started = time.monotonic()
        await no_sideways_scroll(self)
        await self.shot(name)
        shot = time.monotonic()
        await self.axe(name)
        TIMINGS.append((name, shot - started, time.monotonic() - shot))


async def no_sideways_scroll(actor: Actor) -> None:
    """The page is no wider than the window; else the message names the elements that stick out."""
    width = await actor.page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if width[0] <= width[1]:
        return
    wide = await actor.page.evaluate(
        """(limit) => [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > limit + 1 || e.getBoundingClientRect().left < -1)
            .slice(-5).map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${e.className}`
                + ` ${Math.round(e.getBoundingClientRect().width)}px`)""",
        width[1],
    )
    raise AssertionError(f"{actor.page.url} scrolls sideways: {width[0]} px wide in {width[1]} px; {wide}")


# Serious violations in pages other engineers own, reported to them; remove an entry once it is fixed.
KNOWN_VIOLATIONS: list[tuple[str, str]] = []

TIMINGS: list[tuple[str, float, float]] = []
AXE_LOG: list[tuple[str, list[dict[str, Any]]]] = []


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script>: the pages' Content-Security-Policy refuses inline scripts.
        await page.evaluate(AXE.read_text())
    result: dict[str, Any] = await page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
            resultTypes: ['violations'],
        })"""
    )
    return list(result["violations"])


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [", ".join(node["target"]) for node in v["nodes"][:5]]
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} -> {targets}")
        for node in v["nodes"][:2]:
            lines.append(f"    {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)
