"""Fill the fr and nl catalogues from JSON files of translations.

Usage: python scripts/fill_translations.py FILE.json [FILE.json ...]

Each file maps an English msgid to {"fr": "...", "nl": "..."}; for a plural message the key
is the singular msgid and each value a list [singular, plural]. Run `make messages` first so
the catalogues hold the new msgids; entries that are empty or fuzzy are filled (and lose
their fuzzy flag). Prints what is still untranslated and exits 1 if anything is.
"""

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def main(paths: list[str]) -> int:
    table: dict[str, dict] = {}
    for path in paths:
        table.update(json.loads(Path(path).read_text(encoding="utf-8")))
    missing = 0
    for locale in ("fr", "nl"):
        po_path = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=locale)
        for message in catalog:
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            empty = (not any(message.string) if isinstance(message.string, tuple)
                     else not message.string)
            if not (empty or message.fuzzy):
                continue
            entry = table.get(key, {}).get(locale)
            if entry is None:
                missing += 1
                print(f"{locale}: untranslated: {key!r}")
                continue
            if isinstance(message.id, tuple):
                forms = entry if isinstance(entry, list) else [entry, entry]
                message.string = tuple(forms[: catalog.num_plurals] + forms[-1:] * (catalog.num_plurals - len(forms)))
            else:
                message.string = entry
            message.flags.discard("fuzzy")
        with po_path.open("wb") as f:
            write_po(f, catalog)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
