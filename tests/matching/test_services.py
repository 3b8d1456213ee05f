"""Matching against the database: candidates and their rules, runs, previews, settings,
matching by hand, and the scheduled job."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from sem.core.errors import DomainError, NotAllowed
from sem.exchanges import services as exchanges
from sem.exchanges.models import Proposal, ProposalOrigin, ProposalStatus
from sem.extensions import db
from sem.ledger import services as ledger
from sem.market.models import Mode, Need, Offer, Urgency
from sem.matching import candidates, scoring
from sem.matching import services as matching
from sem.matching.models import MatchedProposal, MatchRun
from sem.members.models import AuditEvent, Organisation, Person, Stage


def pairs(found) -> set[tuple[int, int]]:
    return {(int(found.need_ids[n]), int(found.offer_ids[o])) for n, o in zip(found.pair_need, found.pair_offer,
                                                                              strict=True)}


@pytest.fixture
def network(app, make, posts):
    """A provider with an IT offer, a recipient (emerging) with an IT need, a coordinator."""
    provider = make.org("Atelier Informatique", commune="ixelles")
    recipient = make.org("Jeune Collectif", stage=Stage.EMERGING, commune="etterbeek")
    return {"provider": provider, "recipient": recipient, "coordinator": make.coordinator(),
            "offer": posts.offer(provider, title="Installation de réseaux wifi"),
            "need": posts.need(recipient, title="Notre wifi ne marche plus")}


def test_a_need_and_an_offer_of_the_same_competence_are_candidates(ctx, network):
    found = candidates.gather(k=2)
    assert pairs(found) == {(network["need"], network["offer"])}
    parts = found.parts_of(0)
    assert parts["competence"] == 1.0
    assert parts["partnership"] == 1.0  # they never exchanged
    assert parts["proximity"] == 0.6  # Ixelles and Etterbeek are neighbours
    assert parts["reciprocity"] == pytest.approx(0.75)  # provider at 0, emerging recipient
    assert 0 < parts["text"] <= 1


def test_candidates_respect_language_organisation_mode_and_state(ctx, app, make, posts, network):
    provider, recipient = network["provider"], network["recipient"]
    dutch = posts.offer(make.org("Vlaamse vzw", languages=("nl",)), languages=("nl",))
    own = posts.offer(recipient)  # the recipient's own offer
    elsewhere = make.org("Hors Bruxelles", commune="elsewhere")
    on_site = posts.offer(elsewhere, mode=Mode.ON_SITE)
    remote = posts.offer(elsewhere, mode=Mode.REMOTE)
    expired = posts.offer(provider, expires_in=timedelta(days=-1))
    found = pairs(candidates.gather(k=2))
    need = network["need"]
    assert (need, network["offer"]) in found and (need, remote) in found
    for offer in (dutch, own, on_site, expired):
        assert (need, offer) not in found


def test_same_domain_only_when_the_competence_has_too_few(ctx, posts, make, network):
    other_competence = posts.offer(make.org("Support"), "it-hardware", title="Maintenance informatique")
    found = candidates.gather(k=2)  # one same-competence offer < k: the domain is looked at
    assert (network["need"], other_competence) in pairs(found)
    i = next(i for i in range(len(found)) if found.offer_ids[found.pair_offer[i]] == other_competence)
    assert found.parts_of(i)["competence"] == scoring.DOMAIN_FIT
    assert (network["need"], other_competence) not in pairs(candidates.gather(k=1))


def test_a_declined_pair_is_never_proposed_again(ctx, network):
    need, offer = db.session.get(Need, network["need"]), db.session.get(Offer, network["offer"])
    made = exchanges.create_matched_proposals([(need, offer, {})])
    proposal = db.session.get(Proposal, made[(need.id, offer.id)])
    recipient_admin = db.session.scalar(sa.select(Person).where(Person.organisation_id == network["recipient"]))
    exchanges.decline_proposal(proposal, actor=recipient_admin, reason="Non merci")
    assert pairs(candidates.gather(k=2)) == set()
    assert exchanges.create_matched_proposals([(need, offer, {})]) == {}


def test_no_proposal_pushes_a_recipient_past_its_floor(ctx, app, make, posts):
    """A recipient's needs are admitted, oldest first, while their estimates together fit
    between its balance and its floor (plus the solidarity allowance the fund can pay)."""
    provider = make.org("Donneur")
    poor = make.org("Endetté", stage=Stage.ESTABLISHED)  # floor -5 h, balance 0
    posts.offer(provider, hours=40)
    small = posts.need(poor, hours=4, created_ago=timedelta(days=3))
    big = posts.need(poor, hours=6, created_ago=timedelta(days=2))
    smaller = posts.need(poor, hours=1, created_ago=timedelta(days=1))  # 4 + 1 still fits in 5 h
    assert {n for n, _o in pairs(candidates.gather(k=2))} == {small, smaller}
    emerging = make.org("Émergent", stage=Stage.EMERGING)  # floor -20 h; allowance only if the fund holds hours
    first = posts.need(emerging, hours=12, created_ago=timedelta(days=2))
    second = posts.need(emerging, hours=16, created_ago=timedelta(days=1))
    found = {n for n, _o in pairs(candidates.gather(k=2))}
    assert first in found and second not in found and big not in found
    coordinator = db.session.get(Person, make.coordinator())
    ledger.grant([None], 10 * 60, actor=coordinator, reason="Fonds")  # the fund now holds 10 h: 30 h of room
    assert {first, second} <= {n for n, _o in pairs(candidates.gather(k=2))}


def test_an_offer_takes_one_pending_proposal_per_two_hours_left(ctx, make, posts):
    offer = posts.offer(make.org("Petit"), hours=4)  # 4 h a month: two proposals
    for i in range(4):
        posts.need(make.org(f"Demandeur {i}"), title=f"Besoin {i}")
    run = matching.run(actor=None)
    assert run.proposals == 2
    assert db.session.scalar(sa.select(sa.func.count()).where(Proposal.offer_id == offer)) == 2


def test_a_need_gets_at_most_one_offer_of_each_organisation(ctx, make, posts, network):
    # The provider has a second IT offer; another organisation has one too: with k = 2 the
    # need gets one offer of each organisation, not the provider's two.
    # The provider's two offers score higher than the other's (text, proximity), so
    # without the rule both would be chosen.
    second = posts.offer(network["provider"], title="Réparation du wifi qui ne marche plus")
    other = posts.offer(make.org("Autre Atelier", commune="uccle"), title="Sauvegardes")
    run = matching.run(actor=None)
    db.session.commit()
    proposed = db.session.scalars(sa.select(Proposal.offer_id).where(Proposal.need_id == network["need"])).all()
    assert run.proposals == 2 and len(proposed) == 2
    assert other in proposed and len({network["offer"], second} & set(proposed)) == 1
    # With room for a third proposal, the need waiting on the provider still gets no second
    # offer of it, but may get a third organisation's.
    mine = next(p for p in proposed if p != other)
    third = posts.offer(make.org("Troisième"), title="Câblage")
    found = pairs(candidates.gather(k=3))
    spare = ({network["offer"], second} - {mine}).pop()
    assert (network["need"], spare) not in found
    assert (network["need"], third) in found


def test_a_run_proposes_explains_records_and_notifies(ctx, app, network, outbox):
    run = matching.run(actor=None)
    assert (run.proposals, run.candidates, run.solver_status, run.dry_run) == (1, 1, "optimal", False)
    proposal = db.session.scalar(sa.select(Proposal))
    assert proposal.origin is ProposalOrigin.MATCHING and proposal.status is ProposalStatus.PENDING
    assert proposal.provider_accepted_at is None and proposal.recipient_accepted_at is None
    assert set(proposal.score_parts["parts"]) == set(scoring.PARTS)
    assert proposal.score_parts["score"] == pytest.approx(run.mean_score)
    assert db.session.get(MatchedProposal, proposal.id).run_id == run.id
    db.session.commit()
    assert len(outbox) == 2  # one person in each organisation
    # A second run finds nothing new: the pair is pending.
    assert matching.run(actor=None).proposals == 0


def test_a_preview_writes_nothing_but_its_record(ctx, network, outbox):
    coordinator = db.session.get(Person, network["coordinator"])
    run = matching.preview(actor=coordinator)
    db.session.commit()
    assert run.dry_run and run.proposals == 1 and run.preview[0]["need_id"] == network["need"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 0
    assert outbox == []


def test_only_coordinators_run_preview_and_change_settings(ctx, network):
    admin = db.session.scalar(sa.select(Person).where(Person.organisation_id == network["provider"]))
    with pytest.raises(NotAllowed):
        matching.preview(actor=admin)
    with pytest.raises(NotAllowed):
        matching.run(actor=admin)
    with pytest.raises(NotAllowed):
        matching.update_settings(weights=scoring.DEFAULT_WEIGHTS, proposals_per_need=2, reason="x", actor=admin)


def test_settings_change_is_validated_and_logged(ctx, network):
    coordinator = db.session.get(Person, network["coordinator"])
    weights = {**scoring.DEFAULT_WEIGHTS, "reciprocity": 5}
    with pytest.raises(DomainError):
        matching.update_settings(weights={**weights, "text": 11}, proposals_per_need=2, reason="x", actor=coordinator)
    with pytest.raises(DomainError):
        matching.update_settings(weights=weights, proposals_per_need=0, reason="x", actor=coordinator)
    with pytest.raises(DomainError):
        matching.update_settings(weights=dict.fromkeys(scoring.PARTS, 0), proposals_per_need=2, reason="x",
                                 actor=coordinator)
    with pytest.raises(DomainError):
        matching.update_settings(weights=weights, proposals_per_need=3, reason=" ", actor=coordinator)
    matching.update_settings(weights=weights, proposals_per_need=3, reason="Plus de réciprocité", actor=coordinator)
    assert matching.current_settings() == (weights, 3)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "matching.settings_changed"))
    assert event.details["weights"]["reciprocity"] == 5 and event.details["previous_k"] == 2
    assert event.reason == "Plus de réciprocité"


def test_weights_change_the_choice(ctx, make, posts):
    """Reciprocity sends the one offer to the emerging member rather than to the rich one."""
    coordinator = db.session.get(Person, make.coordinator())
    provider = make.org("Donneur")
    offer = posts.offer(provider, hours=2)  # room for one proposal
    rich = make.org("Riche", stage=Stage.ESTABLISHED)
    emerging = make.org("Émergent", stage=Stage.EMERGING)
    need_rich = posts.need(rich, title="Wifi du bureau", urgency=Urgency.URGENT)
    need_emerging = posts.need(emerging, title="Wifi du local")
    only = dict.fromkeys(scoring.PARTS, 0)
    matching.update_settings(weights={**only, "urgency": 1}, proposals_per_need=1, reason="urgence",
                             actor=coordinator)
    preview = matching.preview(actor=coordinator)
    assert [(r["need_id"], r["offer_id"]) for r in preview.preview] == [(need_rich, offer)]
    matching.update_settings(weights={**only, "reciprocity": 1}, proposals_per_need=1, reason="réciprocité",
                             actor=coordinator)
    preview = matching.preview(actor=coordinator)
    assert [(r["need_id"], r["offer_id"]) for r in preview.preview] == [(need_emerging, offer)]


def test_a_coordinator_matches_one_need_by_hand(ctx, make, posts, network, outbox):
    coordinator = db.session.get(Person, network["coordinator"])
    second = posts.offer(make.org("Autre aide"), title="Wifi et réseaux")
    foreign = posts.offer(network["recipient"])  # the need's own organisation: never a candidate
    need = db.session.get(Need, network["need"])
    ranked = matching.ranked_offers(need)
    assert {r["offer"].id for r in ranked} == {network["offer"], second}
    assert ranked[0]["score"] >= ranked[1]["score"]
    proposal = matching.match_by_hand(need, db.session.get(Offer, second), actor=coordinator)
    assert proposal.origin is ProposalOrigin.MATCHING and proposal.created_by_id == coordinator.id
    assert proposal.score_parts["parts"]["competence"]["value"] == 1.0
    run = db.session.scalar(sa.select(MatchRun))
    assert run.trigger == "hand" and run.proposals == 1
    with pytest.raises(DomainError):  # the same pair again
        matching.match_by_hand(need, db.session.get(Offer, second), actor=coordinator)
    with pytest.raises(DomainError):
        matching.match_by_hand(need, db.session.get(Offer, foreign), actor=coordinator)


def test_the_match_job_runs_and_summarises(ctx, network):
    from sem.scheduler.jobs import JOBS

    summary = JOBS["match"]()
    assert "1 proposal(s)" in summary and "optimal" in summary
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MatchRun)) == 1


def test_organisations_that_are_not_members_get_nothing(ctx, network):
    from sem.members.models import OrgStatus

    db.session.get(Organisation, network["recipient"]).status = OrgStatus.SUSPENDED
    db.session.flush()
    assert len(candidates.gather(k=2)) == 0


def test_an_organisation_with_several_new_proposals_gets_one_mail(ctx, app, make, posts, outbox):
    provider = make.org("Grand Atelier")
    posts.offer(provider, title="Réseaux", hours=10)
    needs = [posts.need(make.org(f"Demandeur {i}"), title=f"Wifi {i}") for i in range(3)]
    run = matching.run(actor=None)
    db.session.commit()
    assert run.proposals == 3
    provider_email = db.session.scalar(sa.select(Person.email).where(Person.organisation_id == provider))
    mails = [m for m in outbox if m.to == provider_email]
    assert len(mails) == 1
    assert all(f"Wifi {i}" in mails[0].text for i in range(3)) and "/proposals/" in mails[0].html
    assert len(outbox) == 1 + len(needs)  # and one mail to each recipient


def test_a_run_whose_solver_is_late_falls_back_and_says_so(ctx, app, network, monkeypatch):
    import time

    from sem.matching import assignment

    monkeypatch.setattr(assignment, "min_cost_flow", lambda *arrays: time.sleep(30))
    monkeypatch.setitem(app.config, "MATCHING_TIME_LIMIT_SECONDS", 0.3)
    run = matching.run(actor=None)
    assert run.solver_status == "fallback" and run.proposals == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 1
