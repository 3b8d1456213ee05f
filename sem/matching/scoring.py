"""The score of one candidate pair (a need and an offer): a sum of named, weighted parts.

Pure functions: no database, no Flask. They take NumPy arrays (one value per candidate pair)
or plain scalars, so a run scores half a million pairs at once. Each part is a number between 0 and 1; the score is
the weighted sum divided by the sum of the weights, so it is between 0 and 1 too, whatever
weights coordinators choose. `candidates.py` gathers the facts, `assignment.py` chooses.

Parts, in the order pages show them:

- competence: 1 for the same competence, DOMAIN_FIT for another competence of the same domain;
- text: cosine similarity of TF-IDF vectors over stemmed, accent-free words (French and
  Dutch Snowball stems, as the directory's search) of the title and description, plus the
  competence's and domain's labels in French, Dutch and English, so that a French need
  and a Dutch offer about the same competence share words;
- urgency: an urgent need, a wished-by date coming close and time already spent waiting;
- reciprocity: favours providers that have received more than they gave (negative balance)
  and recipients that are emerging or have given more than they received;
- publics: the share of target publics the two organisations have in common (Jaccard);
- partnership: 1 when the two organisations have never exchanged;
- proximity: 1 in the same commune, 0.6 for neighbouring communes, 0.3 elsewhere in
  Brussels, 0 when one is outside the Region.
"""

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse

PARTS = ("competence", "text", "urgency", "reciprocity", "publics", "partnership", "proximity")
DEFAULT_WEIGHTS = {"competence": 3, "text": 2, "urgency": 2, "reciprocity": 2, "publics": 1, "partnership": 1,
                   "proximity": 1}
MAX_WEIGHT = 10
DOMAIN_FIT = 0.5
# A balance this far from zero (in minutes) counts fully in the reciprocity part.
RECIPROCITY_SCALE = 20 * 60
# Waiting this long (days) counts fully in the urgency part.
WAITING_FULL_DAYS = 60

# Neighbouring communes of the Brussels-Capital Region (shared borders).
NEIGHBOURS: dict[str, frozenset[str]] = {
    code: frozenset(near) for code, near in {
        "anderlecht": ("berchem", "bruxelles", "forest", "koekelberg", "molenbeek", "saint-gilles"),
        "auderghem": ("etterbeek", "ixelles", "watermael-boitsfort", "woluwe-saint-lambert",
                      "woluwe-saint-pierre"),
        "berchem": ("anderlecht", "ganshoren", "koekelberg", "molenbeek"),
        "bruxelles": ("anderlecht", "etterbeek", "evere", "forest", "ixelles", "jette", "koekelberg", "molenbeek",
                      "saint-gilles", "saint-josse", "schaerbeek", "uccle", "watermael-boitsfort"),
        "etterbeek": ("auderghem", "bruxelles", "ixelles", "schaerbeek", "woluwe-saint-lambert",
                      "woluwe-saint-pierre"),
        "evere": ("bruxelles", "schaerbeek", "woluwe-saint-lambert"),
        "forest": ("anderlecht", "bruxelles", "ixelles", "saint-gilles", "uccle"),
        "ganshoren": ("berchem", "jette", "koekelberg"),
        "ixelles": ("auderghem", "bruxelles", "etterbeek", "forest", "saint-gilles", "uccle",
                    "watermael-boitsfort"),
        "jette": ("bruxelles", "ganshoren", "koekelberg"),
        "koekelberg": ("anderlecht", "berchem", "bruxelles", "ganshoren", "jette", "molenbeek"),
        "molenbeek": ("anderlecht", "berchem", "bruxelles", "koekelberg"),
        "saint-gilles": ("anderlecht", "bruxelles", "forest", "ixelles"),
        "saint-josse": ("bruxelles", "schaerbeek"),
        "schaerbeek": ("bruxelles", "etterbeek", "evere", "saint-josse", "woluwe-saint-lambert"),
        "uccle": ("bruxelles", "forest", "ixelles", "watermael-boitsfort"),
        "watermael-boitsfort": ("auderghem", "bruxelles", "ixelles", "uccle"),
        "woluwe-saint-lambert": ("auderghem", "etterbeek", "evere", "schaerbeek", "woluwe-saint-pierre"),
        "woluwe-saint-pierre": ("auderghem", "etterbeek", "woluwe-saint-lambert"),
    }.items()
}
OUTSIDE = "elsewhere"


def _clamp(value):
    return np.clip(value, 0.0, 1.0)


def competence_fit(same_competence):
    """1 for the same competence, DOMAIN_FIT for another one of the same domain."""
    return np.where(same_competence, 1.0, DOMAIN_FIT)


def urgency(*, urgent, waiting_days, days_to_wish):
    """Half for urgency (an urgent need, or a wished-by date within two weeks, the closer
    the more), half for the time the need has waited (full after WAITING_FULL_DAYS).
    `days_to_wish` is NaN when the need has no wished-by date."""
    days_to_wish = np.asarray(days_to_wish, dtype=float)
    by_date = np.where(np.isnan(days_to_wish), 0.0, _clamp(1 - np.nan_to_num(days_to_wish) / 14))
    pressing = np.maximum(np.where(urgent, 1.0, 0.0), by_date)
    return 0.5 * pressing + 0.5 * _clamp(np.asarray(waiting_days, dtype=float) / WAITING_FULL_DAYS)


def reciprocity(*, provider_balance, recipient_balance, recipient_emerging):
    """Half for the provider: a provider in debt (it received more than it gave) scores high,
    one far in credit low. Half for the recipient: an emerging recipient, or one in credit
    (it gave more than it received), scores high; one in debt low. Balances in minutes."""
    provider = _clamp(0.5 - np.asarray(provider_balance, dtype=float) / (2 * RECIPROCITY_SCALE))
    recipient = _clamp(0.5 + np.asarray(recipient_balance, dtype=float) / (2 * RECIPROCITY_SCALE))
    recipient = np.where(recipient_emerging, 1.0, recipient)
    return 0.5 * provider + 0.5 * recipient


def shared_publics(need_publics, offer_publics):
    """Jaccard index of the two organisations' target publics, given as bit masks (one bit
    per public; 0 when either has none)."""
    a = np.asarray(need_publics, dtype=np.uint64)
    b = np.asarray(offer_publics, dtype=np.uint64)
    union = np.bitwise_count(a | b).astype(float)
    both = np.bitwise_count(a & b).astype(float)
    return np.where((a == 0) | (b == 0), 0.0, both / np.maximum(union, 1.0))


def new_partnership(already_exchanged):
    return np.where(already_exchanged, 0.0, 1.0)


COMMUNE_CODES = (*sorted(NEIGHBOURS), OUTSIDE)
COMMUNE_INDEX = {code: i for i, code in enumerate(COMMUNE_CODES)}


def _proximity_one(a: str, b: str) -> float:
    if OUTSIDE in (a, b):
        return 0.0
    if a == b:
        return 1.0
    return 0.6 if b in NEIGHBOURS[a] else 0.3


PROXIMITY = np.array([[_proximity_one(a, b) for b in COMMUNE_CODES] for a in COMMUNE_CODES])


def commune_index(code: str | None) -> int:
    """The row of a commune in PROXIMITY (an unknown one counts as outside the Region)."""
    return COMMUNE_INDEX.get(code or "", COMMUNE_INDEX[OUTSIDE])


def proximity(commune_a, commune_b):
    """1 in the same commune, 0.6 for neighbours, 0.3 elsewhere in Brussels, 0 outside.
    Takes commune indexes (see commune_index)."""
    return PROXIMITY[commune_a, commune_b]


# --- text similarity ----------------------------------------------------------------------


class TextModel:
    """TF-IDF over token lists (sub-linear term frequency, smoothed IDF), rows scaled to unit
    length, so that the dot product of two rows is their cosine similarity. Built once per
    run from every post of the run."""

    def __init__(self, documents: Sequence[Sequence[str]]):
        frequency: Counter = Counter()
        for tokens in documents:
            frequency.update(set(tokens))
        self.count = max(len(documents), 1)
        self.vocabulary = {term: i for i, term in enumerate(frequency)}
        self.idf = np.array([math.log((1 + self.count) / (1 + frequency[t])) + 1 for t in self.vocabulary])

    def matrix(self, documents: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        vocabulary = self.vocabulary
        lengths, columns = [], []
        for tokens in documents:
            known = [vocabulary[t] for t in tokens if t in vocabulary]
            lengths.append(len(known))
            columns.extend(known)
        rows = np.repeat(np.arange(len(documents)), lengths)
        # Duplicates (a word twice in a document) are summed: term counts.
        m = sparse.csr_matrix((np.ones(len(columns)), (rows, np.array(columns, dtype=np.int64))),
                              shape=(len(documents), len(vocabulary)))
        m.sum_duplicates()
        m.data = (1 + np.log(m.data)) * self.idf[m.indices]
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1 / norms) @ m)


def text_similarity(left: sparse.csr_matrix, right: sparse.csr_matrix, left_rows, right_rows,
                    chunk: int = 100_000) -> np.ndarray:
    """The cosine similarity of left[left_rows[i]] and right[right_rows[i]] for every i."""
    left_rows, right_rows = np.asarray(left_rows), np.asarray(right_rows)
    out = np.zeros(len(left_rows))
    for start in range(0, len(left_rows), chunk):
        stop = start + chunk
        product = left[left_rows[start:stop]].multiply(right[right_rows[start:stop]])
        out[start:stop] = np.asarray(product.sum(axis=1)).ravel()
    return _clamp(out)


# --- the score ----------------------------------------------------------------------------


def clean_weights(weights: Mapping[str, float] | None) -> dict[str, int]:
    """Every part with a whole weight between 0 and MAX_WEIGHT (missing ones: the default)."""
    weights = weights or {}
    return {part: int(weights.get(part, DEFAULT_WEIGHTS[part])) for part in PARTS}


def total(parts: Mapping[str, object], weights: Mapping[str, float]):
    """The weighted mean of the parts: between 0 and 1 (arrays in, array out)."""
    weight_sum = sum(weights[p] for p in PARTS)
    if weight_sum <= 0:
        return 0.0 * parts[PARTS[0]]
    return sum(weights[p] * parts[p] for p in PARTS) / weight_sum


def explain(parts: Mapping[str, float], weights: Mapping[str, float]) -> dict:
    """What a proposal stores to explain itself: each part's value and weight, and the score."""
    values = {p: round(float(parts[p]), 4) for p in PARTS}
    return {"parts": {p: {"value": values[p], "weight": weights[p]} for p in PARTS},
            "score": round(float(total(values, weights)), 4)}
