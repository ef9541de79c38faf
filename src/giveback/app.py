"""The app factory: ``create_app()`` builds the Litestar application from the settings."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import structlog
from litestar import Litestar, Router
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import InternalServerException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.logging.config import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from giveback import __version__
from giveback.accounts.controllers import AccountPages, ApiTokenApi, ApiTokenPages, AuthApi, PeopleApi
from giveback.admin.controllers import AdminApi, AdminPages
from giveback.calendars.controllers import FEED_ROUTES
from giveback.calendars.controllers import ROUTES as CALENDAR_ROUTES
from giveback.communications.controllers import ROUTES as COMMUNICATION_ROUTES
from giveback.communications.controllers import UNSUBSCRIBE_ROUTES
from giveback.dashboard.controllers import ROUTES as DASHBOARD_ROUTES
from giveback.db.changes import stop_listening
from giveback.db.connection import bind_tables
from giveback.db.engine import close_pool, enable_sqlite_wal, engine_for, open_pool
from giveback.db.migrations import check_ready
from giveback.errors import DomainError
from giveback.health.controllers import health
from giveback.hosts.controllers import ROUTES as HOST_ROUTES
from giveback.imports.controllers import ROUTES as IMPORT_ROUTES
from giveback.imports.services import stop_jobs as stop_import_jobs
from giveback.logs import configure_logging, litestar_loggers, log_server_error
from giveback.observability.controllers import metrics
from giveback.observability.metrics import ObservedRequests
from giveback.organizations.controllers import OrganizationApi, OrganizationPages
from giveback.pages.branding import brand_logo, brand_stylesheet, brand_version
from giveback.pages.controllers import choose_language, coordinator_home, home, my_home, volunteer_home
from giveback.privacy.controllers import PrivacyApi, PrivacyPages
from giveback.rounds.controllers import ROUTES as ROUND_ROUTES
from giveback.search.controllers import SearchApi, SearchPages
from giveback.settings import Settings
from giveback.topics.controllers import TopicApi, TopicPages
from giveback.trips.controllers import ROUTES as TRIP_ROUTES
from giveback.trips.facts import feed_trips
from giveback.trips.travel_controllers import ROUTES as TRAVEL_ROUTES
from giveback.volunteers.controllers import ROUTES as VOLUNTEER_ROUTES
from giveback.web.auth import SESSION_COOKIE, WITHOUT_SESSION, SessionMiddleware, check_csrf, cookie_name
from giveback.web.errors import domain_error_handler, internal_error_handler, too_large_handler
from giveback.web.headers import add_security_headers
from giveback.web.inputs import refuse_nul_characters
from giveback.web.locale import LocaleMiddleware
from giveback.web.openapi import PackagedSwaggerUI, document_error_answers, security_components
from giveback.web.page_cache import CachedPages
from giveback.web.templates import template_engine
from giveback.webhooks.controllers import WebhookApi, WebhookPages

PACKAGE_DIR = Path(__file__).parent
HTTP_CLIENT_TIMEOUT_SECONDS = 10.0
# The largest request body: a CV upload (at most 2 MiB) with its multipart envelope fits with room to spare.
REQUEST_MAX_BODY_BYTES = 3 * 1024 * 1024

log = structlog.get_logger()

# Refused requests are answered (4xx), not failures of the server: no stack trace in the log for them, or
# every calendar app still polling a revoked feed would fill it. Server errors are still logged.
REFUSALS: set[int | type[Exception]] = {400, 401, 403, 404, 405, 409, 413, 429, *DomainError.__subclasses__()}


def start_embedded_worker() -> subprocess.Popen[bytes]:
    """The embedded setup's solver worker: a child process claiming runs from the same database."""
    return subprocess.Popen([sys.executable, "-m", "giveback", "worker"])


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the platform: routes, templates, error answers, and a lifespan owning the database pool."""
    settings = settings or Settings.from_env()
    configure_logging(settings)
    engine = engine_for(settings.database_url)
    bind_tables(engine)
    templates = template_engine()
    templates.engine.globals.update(
        brand=settings.branding, brand_version=brand_version(settings.branding, settings.logo_path)
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        """Open the database pool and the shared HTTP client; refuse an unmigrated database."""
        if settings.is_sqlite:
            enable_sqlite_wal(str(settings.sqlite_path))
        opened_pool = await open_pool(engine)
        try:
            await check_ready(engine)
            worker = start_embedded_worker() if settings.embedded_worker else None
            try:
                async with httpx.AsyncClient(timeout=HTTP_CLIENT_TIMEOUT_SECONDS, follow_redirects=False) as client:
                    app.state.http = client
                    # Start-up objects (templates, routes, country tables) live as long as the process: leave
                    # them out of the garbage collector's full passes, which would otherwise pause requests.
                    gc.freeze()
                    log.info("giveback.started", base_url=settings.base_url, environment=settings.environment)
                    yield
            finally:
                await stop_import_jobs()
                if worker is not None:
                    worker.terminate()
                    worker.wait(timeout=10)
        finally:
            await stop_listening(engine)
            if opened_pool:
                await close_pool(engine)

    # Everything but the secret calendar feeds runs behind the app's guards (see FEED_ROUTES: calendar clients
    # only GET them, and a guard costs a copy of the route handler per request) and the notices' unsubscribe
    # links (a mail client's one-click POST has no session or CSRF token; the signed link is the proof).
    guarded = Router(
        path="/",
        guards=[check_csrf, refuse_nul_characters],
        route_handlers=[
            home,
            my_home,
            coordinator_home,
            volunteer_home,
            choose_language,
            health,
            AuthApi,
            PeopleApi,
            AccountPages,
            ApiTokenApi,
            ApiTokenPages,
            AdminApi,
            AdminPages,
            WebhookApi,
            WebhookPages,
            SearchApi,
            SearchPages,
            OrganizationApi,
            OrganizationPages,
            TopicApi,
            TopicPages,
            *VOLUNTEER_ROUTES,
            *HOST_ROUTES,
            *ROUND_ROUTES,
            *TRIP_ROUTES,
            *TRAVEL_ROUTES,
            *DASHBOARD_ROUTES,
            *CALENDAR_ROUTES,
            *IMPORT_ROUTES,
            *COMMUNICATION_ROUTES,
            PrivacyApi,
            PrivacyPages,
            create_static_files_router(
                path="/static",
                directories=[PACKAGE_DIR / "static"],
                include_in_schema=False,
                opt={WITHOUT_SESSION: True},
            ),
        ],
    )
    app = Litestar(
        route_handlers=[guarded, *FEED_ROUTES, *UNSUBSCRIBE_ROUTES, brand_stylesheet, brand_logo, metrics],
        lifespan=[lifespan],
        state=State(
            {
                "settings": settings,
                "engine": engine,
                "feed_trips": feed_trips,
                "brand_logo": Path(settings.logo_path).read_bytes() if settings.logo_path else b"",
            }
        ),
        dependencies={
            "settings": Provide(provide_settings, sync_to_thread=False),
        },
        middleware=[ObservedRequests(), SessionMiddleware(settings), LocaleMiddleware(settings), CachedPages()],
        before_send=[add_security_headers(settings)],
        exception_handlers={
            DomainError: domain_error_handler,
            InternalServerException: internal_error_handler,
            RequestEntityTooLarge: too_large_handler,
        },
        request_max_body_size=REQUEST_MAX_BODY_BYTES,
        template_config=TemplateConfig(instance=templates),
        openapi_config=OpenAPIConfig(
            title="Giveback",
            version=__version__,
            description="Run international visiting-professor exchanges end to end.",
            path="/schema",
            render_plugins=[PackagedSwaggerUI()],
            components=security_components(cookie_name(settings, SESSION_COOKIE)),
        ),
        allowed_hosts=AllowedHostsConfig(allowed_hosts=list(settings.hosts)),
        logging_config=LoggingConfig(
            log_exceptions="always",
            disable_stack_trace=REFUSALS,
            configure_root_logger=False,
            exception_logging_handler=log_server_error,
            **litestar_loggers(settings),
        ),
        debug=settings.debug,
    )
    document_error_answers(app)
    return app
