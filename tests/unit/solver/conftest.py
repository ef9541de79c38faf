"""Lets the solver tests import their problem builders (solver_builders.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
