"""Routes of this domain (filled in as the domain is built)."""

from litestar.types import ControllerRouterHandler

ROUTES: list[ControllerRouterHandler] = []
