"""Every string the code uses is translated in French and Dutch, with the same placeholders."""

import os
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@pytest.fixture(scope="module")
def template_ids(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        CommandLineInterface().run(["pybabel", "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "."])
    finally:
        os.chdir(cwd)
    with pot.open("rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


@pytest.mark.parametrize("locale", ["fr", "nl"])
def test_catalogue_is_complete_and_consistent(locale, template_ids):
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalogue = read_po(fh)
    messages = {m.id: m for m in catalogue if m.id}
    missing = [mid for mid in template_ids if mid not in messages]
    assert not missing, f"{locale}: not in the catalogue: {missing[:5]}"
    for mid in template_ids:
        message = messages[mid]
        assert not message.fuzzy, f"{locale}: fuzzy: {mid!r}"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        sources = mid if isinstance(mid, tuple) else (mid,)
        assert all(strings), f"{locale}: untranslated: {mid!r}"
        wanted = set(PLACEHOLDER.findall(" ".join(sources)))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) <= wanted | {"%(num)d"}, f"{locale}: placeholders differ: {mid!r}"
            if "%(num)d" not in wanted:
                assert set(PLACEHOLDER.findall(text)) == wanted, f"{locale}: placeholders differ: {mid!r}"
