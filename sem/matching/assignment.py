"""The global assignment: which candidate pairs become proposals.

Maximise the network's total score under the constraints: each need gets at most its limit
of proposals (k), each offer at most its limit (derived from the capacity it has left), each
pair at most once, and each need at most one proposal from one organisation (its pairs share a
group: two offers of one organisation are not two answers to a need). This is a maximum-weight
b-matching with side constraints that nest; as a min-cost flow:

    source --(k, 0)--> need --(1, 0)--> group --(1, -score)--> offer --(limit, 0)--> sink
    source --(total, 0)--> sink                    (flow that finds no good pair)

Scores are scaled to integers (SCALE per unit of score) because the solver works in integer
costs; every arc is integral, so the optimal flow is integral and is an optimal b-matching.
OR-Tools' SimpleMinCostFlow (cost scaling, polynomial in the graph's size) solves it.

A hard time limit guards the run: the solver works in a child process; if it has not
answered in time (or fails), the child is stopped and a greedy pass (best pairs first) gives
a feasible answer, recorded as the "fallback" status of the run.
"""

import logging
import multiprocessing
import time
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

SCALE = 1_000_000
# An offer takes one pending proposal per this many minutes of capacity it has left this month.
OFFER_UNIT_MINUTES = 120
OPTIMAL, FALLBACK, EMPTY = "optimal", "fallback", "empty"


@dataclass
class Assignment:
    chosen: np.ndarray  # indexes of the chosen pairs
    status: str  # OPTIMAL, FALLBACK or EMPTY
    seconds: float
    total: float  # sum of the chosen pairs' scores


def _as_arrays(need_limit, offer_limit, pair_need, pair_offer, pair_score, pair_group=None):
    pair_need = np.asarray(pair_need, dtype=np.int64)
    # Without groups, every pair is its own group (no constraint beyond "each pair once").
    pair_group = np.arange(len(pair_need), dtype=np.int64) if pair_group is None else \
        np.asarray(pair_group, dtype=np.int64)
    return (np.asarray(need_limit, dtype=np.int64), np.asarray(offer_limit, dtype=np.int64),
            pair_need, np.asarray(pair_offer, dtype=np.int64), np.asarray(pair_score, dtype=float), pair_group)


def group_of(pair_need, provider) -> np.ndarray:
    """The group of each pair: its need and the organisation behind its offer."""
    return np.unique(np.stack([np.asarray(pair_need, dtype=np.int64), np.asarray(provider, dtype=np.int64)]),
                     axis=1, return_inverse=True)[1].reshape(-1)


def min_cost_flow(need_limit, offer_limit, pair_need, pair_offer, pair_score, pair_group=None) -> np.ndarray:
    """The optimal set of pairs (indexes), in this process. Raises RuntimeError if the solver
    does not report an optimum. Pairs with a score of 0 or less are never worth choosing.
    Pairs of one group must share their need."""
    from ortools.graph.python import min_cost_flow as mcf

    need_limit, offer_limit, pair_need, pair_offer, pair_score, pair_group = _as_arrays(
        need_limit, offer_limit, pair_need, pair_offer, pair_score, pair_group)
    n_needs, n_offers = len(need_limit), len(offer_limit)
    cost = -np.rint(pair_score * SCALE).astype(np.int64)
    useful = np.flatnonzero(cost < 0)
    if len(useful) == 0:
        return np.zeros(0, dtype=np.int64)
    # Only groups of two pairs or more need a node of their own; a lone pair's arc runs from
    # its need straight to its offer.
    groups, group_pos, group_size = np.unique(pair_group[useful], return_inverse=True, return_counts=True)
    group_pos = group_pos.reshape(-1)
    shared = group_size[group_pos] > 1
    node_of_group = np.full(len(groups), -1, dtype=np.int64)
    node_of_group[group_size > 1] = np.arange(int((group_size > 1).sum()))
    n_groups = int((group_size > 1).sum())
    group_need = np.zeros(n_groups, dtype=np.int64)
    group_need[node_of_group[group_pos[shared]]] = pair_need[useful][shared]
    # Nodes: needs, then offers, then shared groups, then source and sink.
    first_group = n_needs + n_offers
    source, sink = first_group + n_groups, first_group + n_groups + 1
    supply = int(min(need_limit.sum(), offer_limit.sum()))
    needs = np.arange(n_needs, dtype=np.int64)
    offers = np.arange(n_offers, dtype=np.int64)
    pair_tail = np.where(shared, first_group + node_of_group[group_pos], pair_need[useful])
    tails = np.concatenate([np.full(n_needs, source), group_need, pair_tail, n_needs + offers, [source]])
    heads = np.concatenate([needs, first_group + np.arange(n_groups), n_needs + pair_offer[useful],
                            np.full(n_offers, sink), [sink]])
    capacities = np.concatenate([need_limit, np.ones(n_groups + len(useful), dtype=np.int64), offer_limit,
                                 [supply]])
    costs = np.concatenate([np.zeros(n_needs + n_groups, dtype=np.int64), cost[useful],
                            np.zeros(n_offers + 1, dtype=np.int64)])
    solver = mcf.SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    solver.set_nodes_supplies(np.array([source, sink]), np.array([supply, -supply]))
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min cost flow status {status}")
    start = n_needs + n_groups
    flows = solver.flows(arcs[start:start + len(useful)])
    return useful[flows > 0]


def greedy(need_limit, offer_limit, pair_need, pair_offer, pair_score, pair_group=None) -> np.ndarray:
    """Best pairs first, while their need, offer and group have room: feasible, not optimal."""
    need_limit, offer_limit, pair_need, pair_offer, pair_score, pair_group = _as_arrays(
        need_limit, offer_limit, pair_need, pair_offer, pair_score, pair_group)
    need_left, offer_left = need_limit.copy(), offer_limit.copy()
    used_groups = set()
    chosen = []
    for i in np.argsort(-pair_score, kind="stable"):
        if pair_score[i] <= 0:
            break
        n, o, g = pair_need[i], pair_offer[i], pair_group[i]
        if need_left[n] > 0 and offer_left[o] > 0 and g not in used_groups:
            need_left[n] -= 1
            offer_left[o] -= 1
            used_groups.add(g)
            chosen.append(i)
    return np.array(sorted(chosen), dtype=np.int64)


def _worker(connection, arrays) -> None:
    try:
        connection.send(("ok", min_cost_flow(*arrays)))
    except Exception as error:  # reported to the parent, which falls back
        connection.send(("error", repr(error)))
    finally:
        connection.close()


def _context():
    methods = multiprocessing.get_all_start_methods()
    # fork: the child needs nothing but the arrays and starts in milliseconds.
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def assign(need_limit, offer_limit, pair_need, pair_offer, pair_score, pair_group=None, *,
           time_limit: float = 10.0, in_process: bool = False) -> Assignment:
    """Solve with a hard time limit; fall back to the greedy pass when the solver is late or
    fails. `in_process` skips the child process (no time limit), for tiny instances."""
    started = time.perf_counter()
    arrays = _as_arrays(need_limit, offer_limit, pair_need, pair_offer, pair_score, pair_group)
    scores = arrays[4]
    if len(scores) == 0 or not (scores > 0).any():
        return Assignment(np.zeros(0, dtype=np.int64), EMPTY, time.perf_counter() - started, 0.0)
    chosen, status = None, OPTIMAL
    if in_process:
        chosen = min_cost_flow(*arrays)
    else:
        context = _context()
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_worker, args=(sender, arrays), daemon=True)
        process.start()
        sender.close()
        try:
            if receiver.poll(time_limit):
                outcome, value = receiver.recv()
                if outcome == "ok":
                    chosen = value
                else:
                    log.warning("matching solver failed (%s): greedy fallback", value)
            else:
                log.warning("matching solver did not finish in %.1f s: greedy fallback", time_limit)
        except EOFError:
            log.warning("matching solver stopped without an answer: greedy fallback")
        finally:
            if process.is_alive():
                process.kill()
            process.join()
            receiver.close()
    if chosen is None:
        chosen, status = greedy(*arrays), FALLBACK
    return Assignment(chosen, status, time.perf_counter() - started, float(scores[chosen].sum()))
