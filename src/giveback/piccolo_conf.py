"""Piccolo's configuration (``PICCOLO_CONF=giveback.piccolo_conf``): the engine named by the settings."""

from piccolo.conf.apps import AppRegistry

from giveback.db.engine import engine_for
from giveback.settings import Settings

DB = engine_for(Settings.from_env().database_url)

APP_REGISTRY = AppRegistry(apps=["giveback.piccolo_app"])
