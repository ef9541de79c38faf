"""The one Piccolo app of the platform: every table, and the migrations in the top-level folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from giveback.organizations.tables import Organization
from giveback.topics.tables import Topic


def _migrations_folder() -> Path:
    """``migrations/`` beside ``src/`` in a checkout; ``giveback/migrations`` inside an installed wheel."""
    packaged = Path(__file__).parent / "migrations"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "migrations"


MIGRATIONS_FOLDER = _migrations_folder()

APP_CONFIG = AppConfig(
    app_name="giveback",
    migrations_folder_path=str(MIGRATIONS_FOLDER),
    table_classes=[Topic, Organization],
    migration_dependencies=[],
    commands=[],
)
