"""Matching: settings, preview (dry run), run, and one need matched by hand.

A run gathers the candidate pairs (`candidates.py`), scores them (`scoring.py`), chooses the
best set for the whole network (`assignment.py`) and, unless it is a preview, proposes them
through the exchanges service (which keeps its rules: a pair proposed once, both sides told).
Every run is recorded, previews included. Services flush, never commit.
"""

import time
from datetime import datetime

import numpy as np
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from sem.core.db import utcnow
from sem.core.errors import Conflict, DomainError, NotAllowed, NotFound
from sem.exchanges import services as exchanges
from sem.exchanges.models import Proposal
from sem.extensions import db
from sem.market.models import Need, Offer
from sem.matching import assignment, candidates, scoring
from sem.matching.models import MatchedProposal, MatchingSettings, MatchRun
from sem.members import policy as members_policy
from sem.members.models import Organisation, Person
from sem.members.services import record_event

PREVIEW_ROWS = 200
MAX_K = 10
HAND_CHOICES = 20


# --- settings ------------------------------------------------------------------------------


def current_settings() -> tuple[dict[str, int], int]:
    """(weights of the parts, k): the latest saved, else the defaults."""
    row = db.session.scalar(sa.select(MatchingSettings).order_by(MatchingSettings.id.desc()).limit(1))
    if row is None:
        return scoring.clean_weights(None), current_app.config.get("MATCHING_PROPOSALS_PER_NEED", 2)
    return scoring.clean_weights(row.weights), row.proposals_per_need


def settings_history(limit: int = 20) -> list[MatchingSettings]:
    return db.session.scalars(sa.select(MatchingSettings).order_by(MatchingSettings.id.desc()).limit(limit)).all()


def _require_coordinator(actor) -> None:
    if not members_policy.is_coordinator(actor):
        raise NotAllowed(_l("Only coordinators can do this."))


def update_settings(*, weights: dict, proposals_per_need: int | None, reason: str, actor: Person) -> MatchingSettings:
    """A coordinator changes the weights or k. Kept as a new row, and in the audit log."""
    _require_coordinator(actor)
    clean = {}
    for part in scoring.PARTS:
        value = weights.get(part)
        if value is None or not isinstance(value, int) or not 0 <= value <= scoring.MAX_WEIGHT:
            raise DomainError(_l("A weight is a whole number from 0 to %(max)d.", max=scoring.MAX_WEIGHT),
                              field=f"weight_{part}")
        clean[part] = value
    if not any(clean.values()):
        raise DomainError(_l("At least one part must weigh more than 0."), field="weight_competence")
    if proposals_per_need is None or not 1 <= proposals_per_need <= MAX_K:
        raise DomainError(_l("Between 1 and %(max)d proposals per need.", max=MAX_K), field="proposals_per_need")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Please give a reason."), field="reason")
    before, before_k = current_settings()
    row = MatchingSettings(weights=clean, proposals_per_need=proposals_per_need, reason=reason, set_by=actor)
    db.session.add(row)
    record_event("matching.settings_changed", actor=actor, reason=reason, weights=clean, k=proposals_per_need,
                 previous_weights=before, previous_k=before_k)
    db.session.flush()
    return row


# --- runs ------------------------------------------------------------------------------------


def _plan(weights: dict, k: int, *, now: datetime, time_limit: float, need_ids=None, ignore_need_room=False):
    found = candidates.gather(k=k, now=now, need_ids=need_ids, ignore_need_room=ignore_need_room)
    scores = candidates.score(found, weights)
    groups = assignment.group_of(found.pair_need, found.offer_org[found.pair_offer])
    chosen = assignment.assign(found.need_limit, found.offer_limit, found.pair_need, found.pair_offer, scores,
                               groups, time_limit=time_limit)
    return found, chosen


def _record(run: MatchRun, found, chosen, weights, k, started: float) -> None:
    run.needs, run.offers = int((found.need_limit > 0).sum()), int((found.offer_limit > 0).sum())
    run.candidates = len(found)
    run.proposals = len(chosen.chosen)
    run.total_score = round(chosen.total, 4)
    run.mean_score = round(chosen.total / len(chosen.chosen), 4) if len(chosen.chosen) else 0.0
    run.solver_status, run.solver_seconds = chosen.status, round(chosen.seconds, 3)
    run.settings = {"weights": weights, "k": k}
    run.seconds = round(time.perf_counter() - started, 3)


def _best_first(found, chosen) -> np.ndarray:
    return chosen.chosen[np.argsort(-found.scores[chosen.chosen], kind="stable")]


def _plan_run(actor: Person | None, *, dry_run: bool, trigger: str | None, now: datetime | None):
    """What preview and run share: the permission, the settings, the optimal plan and the run
    record. Returns (the run, the candidates, the chosen pairs, weights, k, start time)."""
    if actor is not None:
        _require_coordinator(actor)
    started, now = time.perf_counter(), now or utcnow()
    weights, k = current_settings()
    found, chosen = _plan(weights, k, now=now, time_limit=_time_limit())
    run = MatchRun(started_at=now, dry_run=dry_run, trigger=trigger or ("coordinator" if actor else "scheduler"),
                   actor=actor)
    return run, found, chosen, weights, k, started


def preview(*, actor: Person | None, now: datetime | None = None) -> MatchRun:
    """A dry run: compute and record what a run would propose; send and create nothing else."""
    run, found, chosen, weights, k, started = _plan_run(actor, dry_run=True, trigger=None, now=now)
    run.preview = [{"need_id": int(found.need_ids[found.pair_need[i]]),
                    "offer_id": int(found.offer_ids[found.pair_offer[i]]),
                    **scoring.explain(found.parts_of(i), weights)}
                   for i in _best_first(found, chosen)[:PREVIEW_ROWS]]
    _record(run, found, chosen, weights, k, started)
    db.session.add(run)
    db.session.flush()
    return run


def _time_limit() -> float:
    return float(current_app.config.get("MATCHING_TIME_LIMIT_SECONDS", 10))


def _load(model, ids) -> dict:
    ids, out = sorted(set(ids)), {}
    for start in range(0, len(ids), 5000):
        out.update((row.id, row) for row in db.session.scalars(
            sa.select(model).where(model.id.in_(ids[start:start + 5000]))
            .options(selectinload(model.organisation).selectinload(Organisation.people))))
    return out


def _propose(run: MatchRun, found, picked, weights, *, actor: Person | None, now: datetime) -> dict:
    need_ids = [int(found.need_ids[found.pair_need[i]]) for i in picked]
    offer_ids = [int(found.offer_ids[found.pair_offer[i]]) for i in picked]
    needs, offers = _load(Need, need_ids), _load(Offer, offer_ids)
    pairs, score_of = [], {}
    for i, need_id, offer_id in zip(picked, need_ids, offer_ids, strict=True):
        explanation = scoring.explain(found.parts_of(i), weights)
        pairs.append((needs[need_id], offers[offer_id], explanation))
        score_of[(need_id, offer_id)] = explanation["score"]
    made = exchanges.create_matched_proposals(pairs, actor=actor, now=now)
    if made:
        db.session.execute(sa.insert(MatchedProposal), [
            {"proposal_id": proposal_id, "run_id": run.id, "score": score_of[pair]}
            for pair, proposal_id in made.items()])
    return made


def run(*, actor: Person | None, now: datetime | None = None, trigger: str | None = None) -> MatchRun:
    """Match the whole network now: propose the chosen pairs and record the run."""
    run, found, chosen, weights, k, started = _plan_run(actor, dry_run=False, trigger=trigger, now=now)
    db.session.add(run)
    db.session.flush()
    made = _propose(run, found, _best_first(found, chosen), weights, actor=actor, now=run.started_at)
    _record(run, found, chosen, weights, k, started)
    if len(made) != len(chosen.chosen):  # some pairs were taken meanwhile: count what was made
        run.proposals = len(made)
    run.seconds = round(time.perf_counter() - started, 3)
    db.session.flush()
    return run


# --- one need, by hand ----------------------------------------------------------------------------


def ranked_offers(need: Need, *, now: datetime | None = None, limit: int = HAND_CHOICES) -> list[dict]:
    """The candidate offers for one need, best first, with their score and its parts."""
    weights, k = current_settings()
    found = candidates.gather(k=k, now=now or utcnow(), need_ids=[need.id], ignore_need_room=True)
    scores = candidates.score(found, weights)
    order = np.argsort(-scores, kind="stable")[:limit]
    offers = _load(Offer, [int(found.offer_ids[found.pair_offer[i]]) for i in order])
    return [{"offer": offers[int(found.offer_ids[found.pair_offer[i]])],
             **scoring.explain(found.parts_of(i), weights)} for i in order]


def match_by_hand(need: Need, offer: Offer, *, actor: Person, now: datetime | None = None) -> Proposal:
    """A coordinator proposes one of the ranked candidate offers to a need. Recorded as a run
    of one proposal, with its explanation like any other."""
    _require_coordinator(actor)
    started, now = time.perf_counter(), now or utcnow()
    weights, k = current_settings()
    found = candidates.gather(k=k, now=now, need_ids=[need.id], ignore_need_room=True)
    candidates.score(found, weights)
    match = np.flatnonzero(found.offer_ids[found.pair_offer] == offer.id)
    if not len(match):
        raise Conflict(_l("This offer is not a candidate for this need (any more)."), field="offer_id")
    i = int(match[0])
    run = MatchRun(started_at=now, dry_run=False, trigger="hand", actor=actor, needs=1, offers=1,
                   candidates=len(found), proposals=1, solver_status="hand",
                   total_score=round(float(found.scores[i]), 4), mean_score=round(float(found.scores[i]), 4),
                   settings={"weights": weights, "k": k})
    db.session.add(run)
    db.session.flush()
    made = _propose(run, found, [i], weights, actor=actor, now=now)
    if not made:
        raise Conflict(_l("This need and this offer were already proposed to each other."), field="offer_id")
    run.seconds = round(time.perf_counter() - started, 3)
    proposal = db.session.get(Proposal, made[(need.id, offer.id)])
    record_event("matching.matched_by_hand", actor=actor, organisation=need.organisation, need_id=need.id,
                 offer_id=offer.id, proposal_id=proposal.id)
    db.session.flush()
    return proposal


def get_run(run_id: int) -> MatchRun:
    run = db.session.get(MatchRun, run_id)
    if run is None:
        raise NotFound(_l("No such run."))
    return run


def recent_runs(limit: int = 50) -> list[MatchRun]:
    return db.session.scalars(sa.select(MatchRun).order_by(MatchRun.id.desc()).limit(limit)).all()


def run_proposals(run: MatchRun) -> list[tuple[Proposal, float]]:
    rows = db.session.execute(
        sa.select(Proposal, MatchedProposal.score).join(MatchedProposal, MatchedProposal.proposal_id == Proposal.id)
        .where(MatchedProposal.run_id == run.id).order_by(MatchedProposal.score.desc(), Proposal.id)).all()
    return [(p, s) for p, s in rows]
