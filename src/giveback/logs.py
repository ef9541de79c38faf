"""Structured logging: one configuration for the server, the worker and the command line.

Secrets travel in some addresses (a feed's token, an invite's signed link, the confirmation and reset links'
``token``): every access line and every logged server error shows such an address with the secret replaced by
``[secret]``, so a log can be read, shipped and kept without handing out the links it saw.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import structlog
from uvicorn.config import LOGGING_CONFIG

from giveback.settings import Settings

REDACTED = "[secret]"
# Paths whose last segment is a secret: /feeds/<token>.ics, /invites/<signed link>, /api/invites/<signed link>.
_SECRET_SEGMENT = re.compile(r"^(?P<route>/(?:api/)?invites/|/feeds/)(?P<secret>[^/?]+?)(?P<suffix>\.ics)?(?=$|[/?])")
# Any other segment that looks like a token (long, letters and digits mixed), should a new secret address appear.
_TOKEN_LIKE = re.compile(r"(?<![^/])(?=[^/?]*\d)(?=[^/?]*[A-Za-z])[A-Za-z0-9_\-.~%]{24,}(?![^/?])")
SECRET_QUERY_KEYS = frozenset({"token", "key", "secret", "code", "password", "signature", "sig"})


def redact(path: str) -> str:
    """The path (and query) with every secret replaced by ``[secret]``."""
    path, question, query = path.partition("?")
    path = _SECRET_SEGMENT.sub(lambda m: f"{m['route']}{REDACTED}{m['suffix'] or ''}", path)
    path = _TOKEN_LIKE.sub(REDACTED, path)
    if not question:
        return path
    pairs = []
    for pair in query.split("&"):
        key, equals, value = pair.partition("=")
        secret = key.lower() in SECRET_QUERY_KEYS or _TOKEN_LIKE.fullmatch(value) is not None
        pairs.append(f"{key}={REDACTED}" if equals and secret else pair)
    return f"{path}?{'&'.join(pairs)}"


class RedactSecrets(logging.Filter):
    """Rewrite uvicorn's access lines (client, method, path, HTTP version, status) with the secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            record.args = (client, method, redact(str(path)), version, status)
        return True


def server_log_config(level: str) -> dict[str, Any]:
    """uvicorn's own logging configuration with the access lines redacted (``giveback serve``)."""
    config: dict[str, Any] = dict(LOGGING_CONFIG)
    config["filters"] = {"redact_secrets": {"()": RedactSecrets}}
    config["handlers"] = {name: dict(handler) for name, handler in LOGGING_CONFIG["handlers"].items()}
    config["handlers"]["access"]["filters"] = ["redact_secrets"]
    config["loggers"] = {name: {**logger, "level": level.upper()} for name, logger in LOGGING_CONFIG["loggers"].items()}
    return config


def log_server_error(logger: Any, scope: Any, traceback: list[str]) -> None:
    """Litestar's record of a server error, with the path's secrets redacted."""
    path = redact(scope["path"])
    logger.error("Uncaught exception (connection_type=%s, path=%r):\n%s", scope["type"], path, "".join(traceback))


def configure_logging(settings: Settings) -> None:
    """Log through structlog, as JSON lines or as readable console lines."""
    level = getattr(logging, settings.log_level.upper())
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
