"""The global assignment is optimal (brute force on small instances), feasible, bounded in
time, and falls back safely."""

import itertools
import random
import time

import numpy as np
import pytest

from sem.matching import assignment


def random_instance(rng: random.Random, needs: int, offers: int, density: float = 0.6):
    pairs = [(n, o) for n in range(needs) for o in range(offers) if rng.random() < density]
    scores = [round(rng.random(), 3) for _ in pairs]
    need_limit = [rng.randint(1, 2) for _ in range(needs)]
    offer_limit = [rng.randint(1, 2) for _ in range(offers)]
    return need_limit, offer_limit, [p[0] for p in pairs], [p[1] for p in pairs], scores


def feasible(chosen, need_limit, offer_limit, pair_need, pair_offer) -> bool:
    need_count, offer_count = np.zeros(len(need_limit)), np.zeros(len(offer_limit))
    for i in chosen:
        need_count[pair_need[i]] += 1
        offer_count[pair_offer[i]] += 1
    return len(set(chosen)) == len(chosen) and (need_count <= need_limit).all() and (offer_count <= offer_limit).all()


def brute_force(need_limit, offer_limit, pair_need, pair_offer, scores) -> float:
    best = 0.0
    for size in range(len(scores) + 1):
        for subset in itertools.combinations(range(len(scores)), size):
            if feasible(subset, need_limit, offer_limit, pair_need, pair_offer):
                best = max(best, sum(scores[i] for i in subset))
    return best


@pytest.mark.parametrize("seed", range(25))
def test_min_cost_flow_finds_the_brute_force_optimum(seed):
    rng = random.Random(seed)
    instance = random_instance(rng, rng.randint(2, 4), rng.randint(2, 4))
    if len(instance[4]) > 12:  # keep the brute force quick
        instance = tuple(x[:12] if i >= 2 else x for i, x in enumerate(instance))
    result = assignment.assign(*instance, in_process=True)
    assert feasible(list(result.chosen), *instance[:4])
    assert result.total == pytest.approx(brute_force(*instance), abs=1e-6)


def grouped_feasible(chosen, need_limit, offer_limit, pair_need, pair_offer, groups) -> bool:
    picked = [groups[i] for i in chosen]
    return feasible(chosen, need_limit, offer_limit, pair_need, pair_offer) and len(set(picked)) == len(picked)


@pytest.mark.parametrize("seed", range(20))
def test_at_most_one_pair_per_group_and_still_optimal(seed):
    rng = random.Random(100 + seed)
    need_limit, offer_limit, pn, po, scores = random_instance(rng, rng.randint(2, 3), rng.randint(3, 5), density=0.7)
    pn, po, scores = pn[:12], po[:12], scores[:12]
    provider = [o % 2 for o in po]  # offers 0, 2, 4 are one organisation's, 1, 3 another's
    groups = assignment.group_of(pn, provider)
    best = 0.0
    for size in range(len(scores) + 1):
        for subset in itertools.combinations(range(len(scores)), size):
            if grouped_feasible(subset, need_limit, offer_limit, pn, po, groups):
                best = max(best, sum(scores[i] for i in subset))
    result = assignment.assign(need_limit, offer_limit, pn, po, scores, groups, in_process=True)
    assert grouped_feasible(list(result.chosen), need_limit, offer_limit, pn, po, groups)
    assert result.total == pytest.approx(best, abs=1e-6)
    fallback = assignment.greedy(need_limit, offer_limit, pn, po, scores, groups)
    assert grouped_feasible(list(fallback), need_limit, offer_limit, pn, po, groups)


def test_two_offers_of_one_organisation_do_not_both_answer_a_need():
    # One need (k = 2); offers 0 and 1 belong to one organisation, offer 2 to another.
    instance = ([2], [1, 1, 1], [0, 0, 0], [0, 1, 2], [0.9, 0.8, 0.3])
    groups = assignment.group_of(instance[2], [7, 7, 8])
    assert sorted(assignment.assign(*instance, in_process=True).chosen.tolist()) == [0, 1]
    assert sorted(assignment.assign(*instance, groups, in_process=True).chosen.tolist()) == [0, 2]
    assert sorted(assignment.greedy(*instance, groups).tolist()) == [0, 2]


def test_the_optimum_beats_greedy_where_greedy_goes_wrong():
    # Greedy takes the best pair (0.9) and blocks two good ones (0.8 + 0.8).
    instance = ([1, 1], [1, 1], [0, 1, 1], [0, 0, 1], [0.8, 0.9, 0.8])
    greedy = assignment.greedy(*instance)
    best = assignment.assign(*instance)
    assert best.status == assignment.OPTIMAL
    assert sorted(best.chosen.tolist()) == [0, 2]
    assert sum(instance[4][i] for i in greedy) == pytest.approx(0.9)
    assert best.total == pytest.approx(1.6)


def test_the_solver_runs_in_a_worker_with_the_same_answer():
    instance = random_instance(random.Random(7), 30, 30, density=0.3)
    in_worker = assignment.assign(*instance, time_limit=30)
    in_process = assignment.assign(*instance, in_process=True)
    assert in_worker.status == assignment.OPTIMAL
    assert in_worker.total == pytest.approx(in_process.total)


def test_a_solver_that_is_too_slow_falls_back_to_greedy(monkeypatch):
    def slow(*arrays):
        time.sleep(30)

    monkeypatch.setattr(assignment, "min_cost_flow", slow)
    instance = random_instance(random.Random(3), 6, 6)
    started = time.perf_counter()
    result = assignment.assign(*instance, time_limit=0.5)
    assert time.perf_counter() - started < 5
    assert result.status == assignment.FALLBACK
    assert feasible(list(result.chosen), *instance[:4])
    assert result.total == pytest.approx(sum(instance[4][i] for i in assignment.greedy(*instance)))


def test_a_failing_solver_falls_back_to_greedy(monkeypatch):
    def broken(*arrays):
        raise ValueError("boom")

    monkeypatch.setattr(assignment, "min_cost_flow", broken)
    result = assignment.assign(*random_instance(random.Random(4), 5, 5), time_limit=10)
    assert result.status == assignment.FALLBACK
    assert len(result.chosen) > 0


def test_nothing_to_choose():
    assert assignment.assign([1], [1], [], [], []).status == assignment.EMPTY
    assert assignment.assign([1], [1], [0], [0], [0.0]).chosen.tolist() == []


def test_a_layered_graph_does_not_hang():
    """Layered graphs with equal and nearly equal weights make some sparse assignment
    solvers take exponential time (scipy issue 26147). Here: 60 layers of 100 needs and 100
    offers, each need linked to every offer of its layer and the next, with ties."""
    layers, width = 60, 100
    pair_need, pair_offer, scores = [], [], []
    for layer in range(layers):
        for i in range(width):
            n = layer * width + i
            for j in range(width):
                for next_layer in (layer, layer + 1):
                    if next_layer < layers and (j - i) % 7 in (0, 1, 3):
                        pair_need.append(n)
                        pair_offer.append(next_layer * width + j)
                        scores.append(0.5 + 0.001 * ((i + j + next_layer) % 3))
    size = layers * width
    started = time.perf_counter()
    result = assignment.assign([2] * size, [1] * size, pair_need, pair_offer, scores, time_limit=20)
    assert time.perf_counter() - started < 20
    assert result.status == assignment.OPTIMAL
    assert len(result.chosen) == size  # every offer used once: a perfect b-matching exists
    assert feasible(list(result.chosen), [2] * size, [1] * size, pair_need, pair_offer)
