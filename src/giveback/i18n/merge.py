"""``python -m giveback.i18n.merge``: settle a git conflict in the catalogs without losing anyone's translations.

Two branches that each added texts both change every ``.po`` file. For each conflicted catalog this keeps the
union of both sides' messages and translations (where both translated a message, ours wins), writes it, and
``git add``s it; then run ``make catalogs`` to bring the catalogs in line with the merged sources. The
template ``messages.pot`` is simply rebuilt by ``make catalogs``. Used by ``make catalogs-merge``.
"""

from __future__ import annotations

import subprocess
from io import BytesIO

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from giveback.i18n.catalogs import LOCALE_DIR


def _side(stage: int, path: str, locale: str | None) -> Catalog:
    shown = subprocess.run(["git", "show", f":{stage}:{path}"], capture_output=True, check=True)  # noqa: S603, S607
    return read_po(BytesIO(shown.stdout), locale=locale)


def _translated(message: object) -> bool:
    string = getattr(message, "string", "")
    return all(string) if isinstance(string, tuple | list) else bool(string)


def merged(ours: Catalog, theirs: Catalog) -> Catalog:
    """Our catalog with every message (and translation) only theirs has."""
    for message in theirs:
        if not message.id:
            continue
        mine = ours.get(message.id, context=message.context)
        if mine is None:
            ours[message.id] = message
        elif not _translated(mine) and _translated(message):
            mine.string = message.string
    return ours


def main() -> int:
    listed = subprocess.run(  # noqa: S603
        ["git", "diff", "--name-only", "--diff-filter=U", "--", str(LOCALE_DIR)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for path in listed:
        if path.endswith(".pot"):
            subprocess.run(["git", "checkout", "--ours", "--", path], check=True)  # noqa: S603, S607
        else:
            locale = path.split("/")[-3]
            catalog = merged(_side(2, path, locale), _side(3, path, locale))
            with open(path, "wb") as out:  # noqa: PTH123
                write_po(out, catalog, width=0, no_location=True)
        subprocess.run(["git", "add", "--", path], check=True)  # noqa: S603, S607
        print(f"merged {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
