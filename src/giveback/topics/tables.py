from piccolo.columns import Boolean, Integer, Varchar
from piccolo.table import Table


class Topic(Table):
    """An expertise topic; retired topics stay so that old profiles and requests keep their meaning."""

    slug = Varchar(length=64, unique=True, index=True)
    name = Varchar(length=200)
    position = Integer(default=0)
    retired = Boolean(default=False)
