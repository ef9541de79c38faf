"""Giveback: run international visiting-professor exchanges end to end."""

import os

# Piccolo finds its engine through this module; set it before any table is touched.
os.environ.setdefault("PICCOLO_CONF", "giveback.piccolo_conf")

__version__ = "0.1.0"
