"""Structured logging: one configuration for the server, the worker and the command line.

``GIVEBACK_LOG_FORMAT=json`` makes every line one JSON object, whichever library writes it: the platform's own
events (structlog), uvicorn's access and error lines, Litestar's and Piccolo's, all through one formatter
(``JsonFormatter``). Each line of a request carries its ``request_id`` (the ``X-Request-ID`` the answer sends
back); an access line also has ``client``, ``method``, ``path``, ``http_version`` and ``status``.
``console`` (the default) writes readable lines for people.

What a log never holds, in either format:

- secrets in addresses (a feed's token, an invite's signed link, the confirmation and reset links' ``token``):
  every access line and every logged server error shows such an address with the secret replaced by ``[secret]``;
- API tokens (``gb_…``), wherever they would appear;
- e-mail addresses: ``ana@example.org`` is logged as ``[address]@example.org``;

so a log can be read, shipped and kept without handing out the links it saw or the people it served.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
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
_API_TOKEN = re.compile(r"gb_[A-Za-z0-9_\-]{16,}")
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@(?P<domain>[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")
HIDDEN_ADDRESS = "[address]"


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


def scrub(text: str) -> str:
    """The text with API tokens replaced by ``[secret]`` and every e-mail address's mailbox by ``[address]``."""
    if "gb_" in text:
        text = _API_TOKEN.sub(REDACTED, text)
    if "@" in text:
        text = _ADDRESS.sub(lambda m: f"{HIDDEN_ADDRESS}@{m['domain']}", text)
    return text


def scrub_event(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: no API token, secret address or e-mail address in any text of the line."""
    for key, value in event.items():
        if isinstance(value, str) and not key.startswith("_"):
            event[key] = scrub(redact(value) if key == "path" else value)
    return event


def access_fields(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: uvicorn's access line as fields (its path already redacted by ``RedactSecrets``)."""
    record = event.get("_record")
    args = event.pop("positional_args", None)
    if record is not None and record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
        client, method, path, version, status = args
        event.update(
            event="http.request",
            client=str(client),
            method=str(method),
            path=str(path),
            http_version=str(version),
            status=int(status),
        )
    return event


def _shared_processors() -> list[structlog.typing.Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        access_fields,
        scrub_event,
    ]


class JsonFormatter(structlog.stdlib.ProcessorFormatter):
    """Every library's log records (and structlog's events) as one JSON object a line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.StackInfoRenderer(),
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=_shared_processors(),
            pass_foreign_args=True,
        )


class RedactSecrets(logging.Filter):
    """Rewrite uvicorn's access lines (client, method, path, HTTP version, status) with the secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            record.args = (client, method, redact(str(path)), version, status)
        return True


def server_log_config(level: str, log_format: str = "console") -> dict[str, Any]:
    """uvicorn's own logging configuration with the access lines redacted (``giveback serve``); in JSON, its lines
    go through ``JsonFormatter`` like every other."""
    config: dict[str, Any] = dict(LOGGING_CONFIG)
    config["filters"] = {"redact_secrets": {"()": RedactSecrets}}
    config["handlers"] = {name: dict(handler) for name, handler in LOGGING_CONFIG["handlers"].items()}
    config["handlers"]["access"]["filters"] = ["redact_secrets"]
    if log_format == "json":
        config["formatters"] = {"json": {"()": JsonFormatter}}
        for handler in config["handlers"].values():
            handler["formatter"] = "json"
            handler["stream"] = "ext://sys.stdout"
    config["loggers"] = {name: {**logger, "level": level.upper()} for name, logger in LOGGING_CONFIG["loggers"].items()}
    return config


def log_server_error(logger: Any, scope: Any, traceback: list[str]) -> None:
    """Litestar's record of a server error, with the path's secrets redacted."""
    path = redact(scope["path"])
    logger.error("Uncaught exception (connection_type=%s, path=%r):\n%s", scope["type"], path, "".join(traceback))


def litestar_loggers(settings: Settings) -> dict[str, Any]:
    """Litestar's ``LoggingConfig`` arguments: in JSON, its logger hands its records to the root logger's JSON
    handler (in the request's context, so they carry the request id) instead of printing them its own way."""
    if settings.log_format != "json":
        return {}
    return {"loggers": {"litestar": {"level": settings.log_level.upper(), "handlers": [], "propagate": True}}}


def configure_logging(settings: Settings) -> None:
    """Log through structlog, as JSON lines (every library's, one formatter) or as readable console lines."""
    level = getattr(logging, settings.log_level.upper())
    if settings.log_format == "json":
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        logging.basicConfig(level=level, handlers=[handler], force=True)
        for name in ("uvicorn", "uvicorn.error", "piccolo", "litestar", "asyncio"):
            library = logging.getLogger(name)
            library.handlers.clear()
            library.propagate = True
        structlog.configure(
            processors=[
                structlog.contextvars.merge_contextvars,
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                scrub_event,
                structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
            ],
            logger_factory=structlog.stdlib.LoggerFactory(),
            wrapper_class=structlog.make_filtering_bound_logger(level),
            cache_logger_on_first_use=True,
        )
        return
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            scrub_event,
            structlog.dev.ConsoleRenderer(colors=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
