"""Fixed lists: the Brussels communes, legal forms and working languages.

They change by law, not by coordinators, so they live in code with their own labels
(official names in French and Dutch).
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from sem.core.i18n import current_locale


@dataclass(frozen=True)
class Choice:
    code: str
    label_fr: str
    label_nl: str
    label_en: str

    @property
    def label(self) -> str:
        return getattr(self, f"label_{current_locale()}", self.label_fr)


COMMUNES = (
    Choice("anderlecht", "Anderlecht", "Anderlecht", "Anderlecht"),
    Choice("auderghem", "Auderghem", "Oudergem", "Auderghem"),
    Choice("berchem", "Berchem-Sainte-Agathe", "Sint-Agatha-Berchem", "Berchem-Sainte-Agathe"),
    Choice("bruxelles", "Bruxelles-Ville", "Brussel-Stad", "City of Brussels"),
    Choice("etterbeek", "Etterbeek", "Etterbeek", "Etterbeek"),
    Choice("evere", "Evere", "Evere", "Evere"),
    Choice("forest", "Forest", "Vorst", "Forest"),
    Choice("ganshoren", "Ganshoren", "Ganshoren", "Ganshoren"),
    Choice("ixelles", "Ixelles", "Elsene", "Ixelles"),
    Choice("jette", "Jette", "Jette", "Jette"),
    Choice("koekelberg", "Koekelberg", "Koekelberg", "Koekelberg"),
    Choice("molenbeek", "Molenbeek-Saint-Jean", "Sint-Jans-Molenbeek", "Molenbeek-Saint-Jean"),
    Choice("saint-gilles", "Saint-Gilles", "Sint-Gillis", "Saint-Gilles"),
    Choice("saint-josse", "Saint-Josse-ten-Noode", "Sint-Joost-ten-Node", "Saint-Josse-ten-Noode"),
    Choice("schaerbeek", "Schaerbeek", "Schaarbeek", "Schaerbeek"),
    Choice("uccle", "Uccle", "Ukkel", "Uccle"),
    Choice("watermael-boitsfort", "Watermael-Boitsfort", "Watermaal-Bosvoorde", "Watermael-Boitsfort"),
    Choice("woluwe-saint-lambert", "Woluwe-Saint-Lambert", "Sint-Lambrechts-Woluwe", "Woluwe-Saint-Lambert"),
    Choice("woluwe-saint-pierre", "Woluwe-Saint-Pierre", "Sint-Pieters-Woluwe", "Woluwe-Saint-Pierre"),
    Choice("elsewhere", "Hors Région bruxelloise", "Buiten het Brussels Gewest", "Outside the Brussels Region"),
)

LEGAL_FORMS = (
    Choice("asbl", "ASBL", "VZW", "Non-profit association (ASBL/VZW)"),
    Choice("aisbl", "AISBL", "IVZW", "International non-profit (AISBL/IVZW)"),
    Choice("foundation", "Fondation", "Stichting", "Foundation"),
    Choice("cooperative", "Société coopérative (SC)", "Coöperatieve vennootschap (CV)", "Cooperative"),
    Choice("de-facto", "Association de fait", "Feitelijke vereniging", "De facto association"),
    Choice("public", "Service public", "Openbare dienst", "Public service"),
    Choice("other", "Autre", "Andere", "Other"),
)

LANGUAGES = (
    Choice("fr", "Français", "Frans", "French"),
    Choice("nl", "Néerlandais", "Nederlands", "Dutch"),
    Choice("en", "Anglais", "Engels", "English"),
    Choice("de", "Allemand", "Duits", "German"),
    Choice("ar", "Arabe", "Arabisch", "Arabic"),
    Choice("tr", "Turc", "Turks", "Turkish"),
    Choice("es", "Espagnol", "Spaans", "Spanish"),
    Choice("pt", "Portugais", "Portugees", "Portuguese"),
    Choice("it", "Italien", "Italiaans", "Italian"),
    Choice("pl", "Polonais", "Pools", "Polish"),
    Choice("ro", "Roumain", "Roemeens", "Romanian"),
)

# Each working language has a fixed bit: posts store their languages as one integer, so that
# "shares a language" is a single bitwise AND, in SQL as in Python. Never renumber.
LANGUAGE_BITS = {"fr": 1, "nl": 2, "en": 4, "de": 8, "ar": 16, "tr": 32, "es": 64, "pt": 128, "it": 256,
                 "pl": 512, "ro": 1024}


def language_mask(codes) -> int:
    return sum(LANGUAGE_BITS[code] for code in set(codes))


def language_codes(mask: int) -> list[str]:
    return [code for code, bit in LANGUAGE_BITS.items() if mask & bit]


TERM_KIND_LABELS = {
    "sector": _l("Sectors"),
    "method": _l("Methods"),
    "public": _l("Target publics"),
}

_BY_LIST = {id(lst): {c.code: c for c in lst} for lst in (COMMUNES, LEGAL_FORMS, LANGUAGES)}


def choices(options) -> list[tuple[str, str]]:
    """(code, label) pairs in the page's language, for a form's select."""
    return [(c.code, c.label) for c in options]


def find(options, code: str | None) -> Choice | None:
    return _BY_LIST[id(options)].get(code or "")


def label_of(options, code: str | None) -> str:
    choice = find(options, code)
    return choice.label if choice else (code or "")
