"""The platform's settings, read once from environment variables.

Every setting is documented in ``docs/configuration.md``; a bad value stops start-up with
one line that names the variable (:class:`SettingsError`).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import msgspec

Environment = Literal["development", "test", "production"]
MailBackend = Literal["file", "smtp"]
ImapSecurity = Literal["tls", "starttls", "plain"]

DEVELOPMENT_SECRET = "development-only-secret-key-do-not-use-in-production"  # noqa: S105


DEFAULT_FOOTER = "Giveback — visiting professors teaching interventional radiology around the world."


class SettingsError(ValueError):
    """A setting is missing or malformed; the message starts with the variable's name."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """What the platform needs to know about its surroundings."""

    environment: Environment = "development"
    """GIVEBACK_ENV: ``development`` (the default), ``test`` or ``production``."""
    database_url: str = "sqlite:///giveback.sqlite3"
    """GIVEBACK_DATABASE_URL: ``sqlite:///relative/or//absolute/path`` or ``postgresql://user@host:port/db``."""
    base_url: str = "http://127.0.0.1:8000"
    """GIVEBACK_BASE_URL: the public address every link in e-mails and feeds is built from."""
    secret_key: str = DEVELOPMENT_SECRET
    """GIVEBACK_SECRET_KEY: signs links and tokens; required (32+ characters) in production."""
    debug: bool = False
    """GIVEBACK_DEBUG: show tracebacks in error pages; refused in production."""
    allowed_hosts: tuple[str, ...] = ()
    """GIVEBACK_ALLOWED_HOSTS: comma-separated Host headers accepted; default: the base URL's host."""
    mail_backend: MailBackend = "file"
    """GIVEBACK_MAIL_BACKEND: ``file`` writes .eml files to GIVEBACK_MAIL_DIR, ``smtp`` sends them."""
    mail_dir: str = "var/mail"
    """GIVEBACK_MAIL_DIR: where the file backend writes messages."""
    mail_from: str = "Giveback <giveback@localhost>"
    """GIVEBACK_MAIL_FROM: the sender and calendar organizer of every message."""
    smtp_host: str = "127.0.0.1"
    """GIVEBACK_SMTP_HOST: the SMTP server for the smtp backend."""
    smtp_port: int = 25
    """GIVEBACK_SMTP_PORT: its port."""
    smtp_username: str = ""
    """GIVEBACK_SMTP_USERNAME: log-in name, empty for none."""
    smtp_password: str = ""
    """GIVEBACK_SMTP_PASSWORD: its password."""
    smtp_starttls: bool = False
    """GIVEBACK_SMTP_STARTTLS: upgrade the connection with STARTTLS."""
    reply_address: str = ""
    """GIVEBACK_REPLY_ADDRESS: the program mailbox that calendar answers come back to; each invite names its
    own address in it, ``local+<token>@domain`` (the mail server must deliver ``+`` addresses to the mailbox);
    empty: the address of GIVEBACK_MAIL_FROM."""
    imap_host: str = ""
    """GIVEBACK_IMAP_HOST: the IMAP server of the program mailbox; empty: the mailbox is not read, and calendar
    answers (Yes/No clicked in Gmail, Outlook, Apple Calendar, Thunderbird) are not applied."""
    imap_port: int = 993
    """GIVEBACK_IMAP_PORT: its port (993 with ``tls``, 143 with ``starttls`` or ``plain``)."""
    imap_security: ImapSecurity = "tls"
    """GIVEBACK_IMAP_SECURITY: ``tls`` (implicit TLS), ``starttls``, or ``plain`` (only to a server on this
    machine: refused for any other host)."""
    imap_username: str = ""
    """GIVEBACK_IMAP_USERNAME: the mailbox's log-in name."""
    imap_password: str = ""
    """GIVEBACK_IMAP_PASSWORD: its password (an app password where the provider asks for one)."""
    imap_folder: str = "INBOX"
    """GIVEBACK_IMAP_FOLDER: the folder calendar answers arrive in."""
    mailbox_interval: int = 60
    """GIVEBACK_MAILBOX_INTERVAL: seconds between two readings of the mailbox by the worker (10 to 3600)."""
    embedded_worker: bool = True
    """GIVEBACK_EMBEDDED_WORKER: the server starts a solver worker process itself; set false where
    ``giveback worker`` processes run separately (production) or in tests."""
    worker_lease_seconds: int = 60
    """GIVEBACK_WORKER_LEASE_SECONDS: how long a worker holds a message or job it took (it renews the hold every
    third of it while working); the work of a worker that was killed is taken up again this long after."""
    worker_runs: int = 1
    """GIVEBACK_WORKER_RUNS: how many solver runs one ``giveback worker`` solves at once."""
    webhook_allowed_hosts: tuple[str, ...] = ()
    """GIVEBACK_WEBHOOK_ALLOWED_HOSTS: comma-separated ``host:port`` of webhook receivers inside your own network,
    which webhooks may reach although their address is not public; empty: public addresses only."""
    log_level: str = "INFO"
    """GIVEBACK_LOG_LEVEL: DEBUG, INFO, WARNING or ERROR."""
    log_format: Literal["console", "json"] = "console"
    """GIVEBACK_LOG_FORMAT: ``console`` for people, ``json`` for log collectors."""
    pseudo_locale: bool = False
    """GIVEBACK_PSEUDO_LOCALE: offer the pseudo-locale ``en-XA`` (every translated text accented and
    bracketed) to find texts that no catalog holds; for development and tests."""
    trusted_proxies: tuple[str, ...] = ()
    """GIVEBACK_TRUSTED_PROXIES: comma-separated addresses of the reverse proxies whose X-Forwarded-For and
    X-Forwarded-Proto headers are believed (``*`` for any); empty: no forwarded header is read."""
    metrics_token: str = ""
    """GIVEBACK_METRICS_TOKEN: the bearer token ``GET /metrics`` requires (16+ characters); empty: no metrics."""
    program_name: str = "Giveback"
    """GIVEBACK_PROGRAM_NAME: the program's name in page titles and the header of every page."""
    logo_path: str = ""
    """GIVEBACK_LOGO_PATH: an SVG, PNG, JPEG or WebP file shown in the header beside the name; empty: none."""
    brand_color: str = "#0b6e6e"
    """GIVEBACK_BRAND_COLOR: the header's and buttons' colour, ``#rrggbb``."""
    brand_text_color: str = "#ffffff"
    """GIVEBACK_BRAND_TEXT_COLOR: the text on that colour, ``#rrggbb``; the pair needs a contrast of 4.5:1."""
    footer_text: str = DEFAULT_FOOTER
    """GIVEBACK_FOOTER_TEXT: the line at the foot of every page."""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def sqlite_path(self) -> Path:
        """The database file of a ``sqlite:///path`` URL (relative to the working directory)."""
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def hosts(self) -> tuple[str, ...]:
        """The Host headers the server answers to (with and without the base URL's port)."""
        if self.allowed_hosts:
            return self.allowed_hosts
        base = urlsplit(self.base_url)
        names = {base.hostname or "localhost"}
        if names & {"127.0.0.1", "localhost"}:
            names |= {"127.0.0.1", "localhost"}
        port = f":{base.port}" if base.port else ""
        return tuple(sorted(names | {name + port for name in names}))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every ``GIVEBACK_*`` variable, check it, and return the settings."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for field, variable in _VARIABLES.items():
            if variable in env:
                values[field] = _convert(variable, field, env[variable])
        settings = cls(**values)  # type: ignore[arg-type]
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse combinations that would run the platform unsafely or not at all."""
        _check_database_url(self.database_url)
        base = urlsplit(self.base_url)
        if base.scheme not in {"http", "https"} or not base.hostname:
            raise SettingsError("GIVEBACK_BASE_URL: must be an absolute http(s) URL, e.g. https://giveback.example.org")
        if self.environment == "production":
            if self.secret_key == DEVELOPMENT_SECRET or len(self.secret_key) < 32:
                raise SettingsError("GIVEBACK_SECRET_KEY: production needs a secret of at least 32 characters")
            if self.debug:
                raise SettingsError("GIVEBACK_DEBUG: debug pages leak settings and are refused in production")
        if self.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise SettingsError("GIVEBACK_LOG_LEVEL: must be DEBUG, INFO, WARNING or ERROR")
        if self.mail_backend == "smtp" and not self.smtp_host.strip():
            raise SettingsError("GIVEBACK_SMTP_HOST: the smtp mail backend needs the SMTP server's host name")
        for proxy in self.trusted_proxies:
            if proxy != "*":
                try:
                    ipaddress.ip_network(proxy, strict=False)
                except ValueError:
                    raise SettingsError(
                        f"GIVEBACK_TRUSTED_PROXIES: {proxy!r} is not an IP address or network (e.g. 10.0.0.5 or "
                        "172.16.0.0/12), nor *"
                    ) from None
        if not 3 <= self.worker_lease_seconds <= 3600:
            raise SettingsError("GIVEBACK_WORKER_LEASE_SECONDS: must be between 3 and 3600")
        if not 1 <= self.worker_runs <= 16:
            raise SettingsError("GIVEBACK_WORKER_RUNS: must be between 1 and 16")
        for receiver in self.webhook_allowed_hosts:
            host, _, port = receiver.rpartition(":")
            if not host or not port.isdigit():
                raise SettingsError(
                    f"GIVEBACK_WEBHOOK_ALLOWED_HOSTS: {receiver!r} is not host:port (e.g. crm.internal:443)"
                )
        if self.metrics_token and len(self.metrics_token) < MIN_METRICS_TOKEN:
            raise SettingsError(f"GIVEBACK_METRICS_TOKEN: must be at least {MIN_METRICS_TOKEN} characters")
        _check_mailbox(self)
        _check_branding(self)

    @property
    def program_mailbox(self) -> str:
        """The address calendar answers come back to (``GIVEBACK_REPLY_ADDRESS``, else GIVEBACK_MAIL_FROM's)."""
        return self.reply_address or parseaddr(self.mail_from)[1]

    @property
    def branding(self) -> Branding:
        """What the pages show of the program: its name, logo, colours and footer."""
        logo = Path(self.logo_path)
        return Branding(
            name=self.program_name,
            logo_url=f"/brand/logo{logo.suffix.lower()}" if self.logo_path else "",
            color=self.brand_color,
            text_color=self.brand_text_color,
            footer=self.footer_text,
        )


class Branding(msgspec.Struct, frozen=True, kw_only=True):
    """The program's look, as the base template uses it."""

    name: str
    logo_url: str
    color: str
    text_color: str
    footer: str

    @property
    def default_footer(self) -> bool:
        """The platform's own footer line, which the catalogs translate (an operator's own line is shown as is)."""
        return self.footer == DEFAULT_FOOTER


MIN_METRICS_TOKEN = 16
LOGO_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}
MAX_LOGO_BYTES = 512 * 1024
MIN_CONTRAST = 4.5
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""

    def luminance(color: str) -> float:
        channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def _check_mailbox(settings: Settings) -> None:
    if settings.reply_address and "@" not in settings.reply_address:
        raise SettingsError("GIVEBACK_REPLY_ADDRESS: must be an e-mail address, e.g. program@giveback.example.org")
    if not settings.imap_host:
        return
    if not settings.imap_username:
        raise SettingsError("GIVEBACK_IMAP_USERNAME: reading the mailbox at GIVEBACK_IMAP_HOST needs a log-in name")
    if settings.imap_security == "plain" and settings.imap_host not in LOOPBACK_HOSTS:
        raise SettingsError(
            "GIVEBACK_IMAP_SECURITY: plain (unencrypted) IMAP is allowed only to a server on this machine; "
            "use tls or starttls"
        )
    if not 10 <= settings.mailbox_interval <= 3600:
        raise SettingsError("GIVEBACK_MAILBOX_INTERVAL: must be between 10 and 3600 seconds")


def _check_branding(settings: Settings) -> None:
    if not settings.program_name.strip() or len(settings.program_name) > 80:
        raise SettingsError("GIVEBACK_PROGRAM_NAME: must be 1 to 80 characters")
    if len(settings.footer_text) > 300:
        raise SettingsError("GIVEBACK_FOOTER_TEXT: must be at most 300 characters")
    for variable, color in (
        ("GIVEBACK_BRAND_COLOR", settings.brand_color),
        ("GIVEBACK_BRAND_TEXT_COLOR", settings.brand_text_color),
    ):
        if not _COLOR.fullmatch(color):
            raise SettingsError(f"{variable}: must be a colour written #rrggbb, not {color!r}")
    ratio = contrast(settings.brand_color, settings.brand_text_color)
    if ratio < MIN_CONTRAST:
        raise SettingsError(
            f"GIVEBACK_BRAND_TEXT_COLOR: its contrast with GIVEBACK_BRAND_COLOR is {ratio:.1f}:1; "
            f"text needs at least {MIN_CONTRAST}:1 to be readable"
        )
    if settings.logo_path:
        logo = Path(settings.logo_path)
        if logo.suffix.lower() not in LOGO_TYPES:
            raise SettingsError("GIVEBACK_LOGO_PATH: must be an .svg, .png, .jpg or .webp file")
        if not logo.is_file():
            raise SettingsError(f"GIVEBACK_LOGO_PATH: no file at {settings.logo_path}")
        if logo.stat().st_size > MAX_LOGO_BYTES:
            raise SettingsError("GIVEBACK_LOGO_PATH: the logo must be at most 512 KiB")


_VARIABLES = {
    "environment": "GIVEBACK_ENV",
    "database_url": "GIVEBACK_DATABASE_URL",
    "base_url": "GIVEBACK_BASE_URL",
    "secret_key": "GIVEBACK_SECRET_KEY",
    "debug": "GIVEBACK_DEBUG",
    "allowed_hosts": "GIVEBACK_ALLOWED_HOSTS",
    "mail_backend": "GIVEBACK_MAIL_BACKEND",
    "mail_dir": "GIVEBACK_MAIL_DIR",
    "mail_from": "GIVEBACK_MAIL_FROM",
    "smtp_host": "GIVEBACK_SMTP_HOST",
    "smtp_port": "GIVEBACK_SMTP_PORT",
    "smtp_username": "GIVEBACK_SMTP_USERNAME",
    "smtp_password": "GIVEBACK_SMTP_PASSWORD",
    "smtp_starttls": "GIVEBACK_SMTP_STARTTLS",
    "reply_address": "GIVEBACK_REPLY_ADDRESS",
    "imap_host": "GIVEBACK_IMAP_HOST",
    "imap_port": "GIVEBACK_IMAP_PORT",
    "imap_security": "GIVEBACK_IMAP_SECURITY",
    "imap_username": "GIVEBACK_IMAP_USERNAME",
    "imap_password": "GIVEBACK_IMAP_PASSWORD",
    "imap_folder": "GIVEBACK_IMAP_FOLDER",
    "mailbox_interval": "GIVEBACK_MAILBOX_INTERVAL",
    "embedded_worker": "GIVEBACK_EMBEDDED_WORKER",
    "worker_lease_seconds": "GIVEBACK_WORKER_LEASE_SECONDS",
    "worker_runs": "GIVEBACK_WORKER_RUNS",
    "webhook_allowed_hosts": "GIVEBACK_WEBHOOK_ALLOWED_HOSTS",
    "log_level": "GIVEBACK_LOG_LEVEL",
    "log_format": "GIVEBACK_LOG_FORMAT",
    "pseudo_locale": "GIVEBACK_PSEUDO_LOCALE",
    "trusted_proxies": "GIVEBACK_TRUSTED_PROXIES",
    "metrics_token": "GIVEBACK_METRICS_TOKEN",
    "program_name": "GIVEBACK_PROGRAM_NAME",
    "logo_path": "GIVEBACK_LOGO_PATH",
    "brand_color": "GIVEBACK_BRAND_COLOR",
    "brand_text_color": "GIVEBACK_BRAND_TEXT_COLOR",
    "footer_text": "GIVEBACK_FOOTER_TEXT",
}

_CHOICES = {
    "environment": ("development", "test", "production"),
    "mail_backend": ("file", "smtp"),
    "imap_security": ("tls", "starttls", "plain"),
    "log_format": ("console", "json"),
}


def _convert(variable: str, field: str, raw: str) -> object:
    default = getattr(Settings(), field)
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise SettingsError(f"{variable}: must be true or false, not {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{variable}: must be a whole number, not {raw!r}") from None
    if isinstance(default, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if field in _CHOICES and raw not in _CHOICES[field]:
        raise SettingsError(f"{variable}: must be one of {', '.join(_CHOICES[field])}, not {raw!r}")
    return raw


def _check_database_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        if not url.startswith("sqlite:///") or url == "sqlite:///":
            raise SettingsError("GIVEBACK_DATABASE_URL: a SQLite URL looks like sqlite:///giveback.sqlite3")
        return
    if parts.scheme in {"postgresql", "postgres"}:
        try:
            parts.port  # noqa: B018  (raises ValueError on a malformed port)
        except ValueError:
            raise SettingsError("GIVEBACK_DATABASE_URL: the port is not a number") from None
        if not parts.path.strip("/"):
            raise SettingsError("GIVEBACK_DATABASE_URL: name the database, e.g. postgresql://user@host:5432/giveback")
        return
    raise SettingsError(
        "GIVEBACK_DATABASE_URL: must start with sqlite:/// or postgresql://, not " + repr(url.split(":", 1)[0])
    )
