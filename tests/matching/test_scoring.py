"""The score parts: pure functions, each between 0 and 1."""

import numpy as np
import pytest

from sem.market.search import _WORD, word_forms
from sem.matching import scoring


def words(*texts):
    return [form for text in texts for word in _WORD.findall(text) for form in word_forms(word)]


LABELS = ("Site web", "Website", "Website", "Support informatique", "IT-ondersteuning", "IT support")


def test_text_similarity_works_across_french_and_dutch_posts_of_one_competence():
    need_fr = words("Un site web pour notre potager", "Nous voulons publier notre agenda", *LABELS)
    offer_nl = words("Websites bouwen met WordPress", "Wij bouwen eenvoudige websites", *LABELS)
    offer_other = words("Comptabilité", "Tenue des comptes annuels", "Comptabilité", "Boekhouding", "Accounting")
    model = scoring.TextModel([need_fr, offer_nl, offer_other])
    needs, offers = model.matrix([need_fr]), model.matrix([offer_nl, offer_other])
    same, other = scoring.text_similarity(needs, offers, [0, 0], [0, 1])
    assert same > 0.2 and other == 0.0
    assert scoring.text_similarity(needs, needs, [0], [0])[0] == pytest.approx(1.0)


def test_competence_fit():
    assert scoring.competence_fit(np.array([True, False])).tolist() == [1.0, scoring.DOMAIN_FIT]


def test_reciprocity_favours_providers_in_debt_and_emerging_or_generous_recipients():
    def r(provider, recipient, emerging=False):
        return float(scoring.reciprocity(provider_balance=provider, recipient_balance=recipient,
                                         recipient_emerging=emerging))

    assert r(-600, 0) > r(0, 0) > r(600, 0)  # a provider that received more than it gave first
    assert r(0, 600) > r(0, 0) > r(0, -600)  # a recipient that gave more than it received first
    assert r(0, -600, emerging=True) == r(0, 10_000)  # emerging members count as fully deserving
    assert 0 <= r(10**6, -10**6) <= r(-10**6, 10**6) <= 1


def test_urgency_counts_urgency_deadline_and_waiting():
    u = scoring.urgency(urgent=np.array([False, True, False, False]), waiting_days=np.array([0, 0, 0, 120]),
                        days_to_wish=np.array([np.nan, np.nan, 0, np.nan]))
    assert u.tolist() == [0.0, 0.5, 0.5, 0.5]


def test_shared_publics_is_a_jaccard_index_of_bit_masks():
    assert scoring.shared_publics(np.array([0b011, 0b1, 0]), np.array([0b110, 0b1, 0b1])).tolist() == [1 / 3, 1.0, 0.0]


def test_proximity_of_brussels_communes():
    def p(a, b):
        return float(scoring.proximity(scoring.commune_index(a), scoring.commune_index(b)))

    assert p("ixelles", "ixelles") == 1.0
    assert p("ixelles", "etterbeek") == p("etterbeek", "ixelles") == 0.6
    assert p("ixelles", "jette") == 0.3
    assert p("ixelles", "elsewhere") == p("elsewhere", "elsewhere") == p(None, "ixelles") == 0.0
    for a, near in scoring.NEIGHBOURS.items():  # the table is symmetric
        assert all(a in scoring.NEIGHBOURS[b] for b in near)


def test_the_score_is_a_weighted_mean_between_0_and_1():
    weights = scoring.clean_weights({"text": 0, "reciprocity": 4})
    parts = {p: np.array([1.0, 0.0]) for p in scoring.PARTS}
    assert scoring.total(parts, weights).tolist() == [1.0, 0.0]
    parts["reciprocity"] = np.array([0.0, 1.0])
    total = scoring.total(parts, weights)
    assert total[1] == pytest.approx(4 / sum(weights.values()))
    explanation = scoring.explain({p: float(parts[p][1]) for p in scoring.PARTS}, weights)
    assert explanation["parts"]["reciprocity"] == {"value": 1.0, "weight": 4}
    assert explanation["parts"]["text"]["weight"] == 0
    assert explanation["score"] == pytest.approx(total[1], abs=1e-4)
