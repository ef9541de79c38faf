"""A real IMAP server for the tests: Debian's Dovecot, started on a free loopback port with the configuration in
``tests/calendars/mailbox/dovecot.conf``, run as an unprivileged user (``nobody`` when the tests run as root).

``deliver`` puts a message into a mailbox the way a mail server's delivery agent does (IMAP APPEND, with the
``Delivered-To`` header naming the address it was sent to).
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CONFIG = Path(__file__).parents[1] / "calendars" / "mailbox" / "dovecot.conf"
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "mailbox-test-password"


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    password: str

    def deliver(self, user: str, content: bytes, delivered_to: str) -> None:
        """Deliver a message into ``user``'s INBOX, as the mail server would for ``delivered_to``."""
        with imaplib.IMAP4(self.host, self.port) as imap:
            imap.login(user, self.password)
            imap.append("INBOX", None, None, f"Delivered-To: {delivered_to}\r\n".encode() + content)

    def flags(self, user: str) -> list[bytes]:
        """The flags of every message in ``user``'s INBOX, oldest first."""
        with imaplib.IMAP4(self.host, self.port) as imap:
            imap.login(user, self.password)
            imap.select("INBOX")
            _, data = imap.fetch("1:*", "(FLAGS)")
            return [item for item in data if isinstance(item, bytes)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def dovecot() -> Iterator[ImapServer]:
    if not Path(DOVECOT).exists():
        raise RuntimeError("Dovecot is not installed: run sh tests/calendars/install-parsers.sh")
    folder = Path(tempfile.mkdtemp(prefix="giveback-imap-"))
    as_root = os.geteuid() == 0
    user = "nobody" if as_root else pwd.getpwuid(os.geteuid()).pw_name
    group = grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
    port = _free_port()
    for name in ("run", "state", "home"):
        (folder / name).mkdir()
    config = folder / "dovecot.conf"
    config.write_text(CONFIG.read_text().format(folder=folder, user=user, group=group, password=PASSWORD, port=port))
    if as_root:
        for path in [folder, *folder.rglob("*")]:
            shutil.chown(path, user, group)
    command = [DOVECOT, "-F", "-c", str(config)]
    if as_root:
        command = ["runuser", "-u", user, "--", *command]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with imaplib.IMAP4("127.0.0.1", port, timeout=5) as imap:
                    imap.login("probe", PASSWORD)
                break
            except (OSError, imaplib.IMAP4.error):
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (folder / "dovecot.log").read_text() if (folder / "dovecot.log").exists() else ""
                    raise RuntimeError(f"Dovecot did not start: {log[-2000:]}") from None
                time.sleep(0.2)
        yield ImapServer("127.0.0.1", port, PASSWORD)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)
