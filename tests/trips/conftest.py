"""The trips tests' helpers live in tripkit (importable from the test modules here)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
