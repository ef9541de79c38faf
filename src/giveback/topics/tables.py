from piccolo.columns import Boolean, Integer, Varchar
from piccolo.table import Table


class Topic(Table):
    """An expertise topic; retired topics stay so that old profiles and requests keep their meaning."""

    slug = Varchar(length=64, unique=True, index=True)
    name = Varchar(length=200)
    position = Integer(default=0)
    retired = Boolean(default=False)


class TopicName(Table):
    """A topic's name in a language other than English (``locale`` is a catalog's name, e.g. ``pt_BR``); the
    topic's own name is the English one and the fallback. One row per topic and language."""

    topic = Varchar(length=64, index=True)
    locale = Varchar(length=16)
    name = Varchar(length=200)
