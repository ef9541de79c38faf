"""``python -m giveback.i18n.check`` (part of ``make lint``): every catalog is complete and compiles.

Fails (exit 1, one line per problem) when the template ``messages.pot`` is not what the sources mark (run
``make catalogs``), when a language's catalog lacks a message, leaves one untranslated or fuzzy, keeps one the
template no longer has, translates a placeholder away (``%(name)s``), or does not compile.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from giveback.i18n.catalogs import LOCALE_DIR, TEMPLATE, catalog_path
from giveback.i18n.locales import DEFAULT_LOCALE, LOCALES

_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")
PACKAGE = LOCALE_DIR.parent
ROOT = PACKAGE.parent.parent
KEYWORDS = ("-k", "_n:1,2", "-k", "_p:1c,2", "-k", "N_")


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def _key(message: Message) -> tuple[str, str | None]:
    ident = message.id
    return (str(ident[0]) if isinstance(ident, tuple | list) else str(ident), message.context)


def extracted() -> Catalog:
    """What the sources mark today, as ``make catalogs`` extracts it."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "messages.pot"
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "babel.messages.frontend", "--quiet", "extract", "-F", str(ROOT / "babel.cfg"),
             *KEYWORDS, "--no-location", "-o", str(output), str(PACKAGE)],
            check=True,
        )  # fmt: skip
        return _read(output)


def problems() -> list[str]:
    found: list[str] = []
    template = _read(TEMPLATE)
    wanted = {_key(m) for m in template if m.id}
    marked = {_key(m) for m in extracted() if m.id}
    for ident, _ in sorted(marked - wanted, key=str):
        found.append(f"messages.pot: lacks {ident!r}, marked in the sources: run `make catalogs`")
    for ident, _ in sorted(wanted - marked, key=str):
        found.append(f"messages.pot: still has {ident!r}, no longer in the sources: run `make catalogs`")
    for locale in LOCALES:
        if locale == DEFAULT_LOCALE:
            continue
        path = catalog_path(locale)
        if not path.exists():
            found.append(f"{locale}: no catalog {path.relative_to(ROOT)}: run `make catalogs`")
            continue
        catalog = _read(path, locale)
        have = {_key(m): m for m in catalog if m.id}
        for key in sorted(wanted - set(have), key=str):
            found.append(f"{locale}: lacks {key[0]!r}: run `make catalogs`, then translate it")
        for key in sorted(set(have) - wanted, key=str):
            found.append(f"{locale}: keeps {key[0]!r}, which the template no longer has: run `make catalogs`")
        for key, message in sorted(have.items(), key=lambda item: str(item[0])):
            strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
            forms = [form or "" for form in strings]
            if message.fuzzy:
                found.append(f"{locale}: {key[0]!r} is fuzzy: check the translation and drop the fuzzy flag")
            if not all(forms) or len(forms) < (catalog.num_plurals if message.pluralizable else 1):
                found.append(f"{locale}: {key[0]!r} is not translated")
                continue
            ids = [str(i) for i in message.id] if isinstance(message.id, tuple | list) else [str(message.id)]
            expected: set[str] = set().union(*(_PLACEHOLDER.findall(i) for i in ids))
            for form in forms:
                unknown = set(_PLACEHOLDER.findall(form)) - expected
                if unknown:
                    found.append(f"{locale}: {key[0]!r} uses placeholders it does not have: {sorted(unknown)}")
            if not message.pluralizable and set(_PLACEHOLDER.findall(forms[0])) != expected:
                found.append(f"{locale}: {key[0]!r} must keep the placeholders {sorted(expected)}")
        for message, errors in catalog.check():
            for error in errors:
                found.append(f"{locale}: {message.id!r}: {error}")
        try:
            write_mo(BytesIO(), catalog)
        except Exception as error:  # a catalog that does not compile, whatever the reason
            found.append(f"{locale}: does not compile: {error}")
    return found


def main() -> int:
    found = problems()
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} problem(s) in the translation catalogs (see docs/translations.md)")
        return 1
    print(f"translation catalogs complete: {len(LOCALES) - 1} languages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
