"""Proposals: "I can help" on a need, "ask for help" on an offer; who answers; pairs that
were declined stay declined."""

import sqlalchemy as sa

from sem.core.db import utcnow
from sem.exchanges.models import Exchange, Proposal, ProposalOrigin, ProposalStatus
from sem.extensions import db
from sem.market.models import Need, PostStatus
from sem.members.models import Person
from tests.conftest import login, post, tr_html


def _proposal(app) -> Proposal:
    with app.app_context():
        proposal = db.session.scalar(sa.select(Proposal))
        db.session.expunge(proposal)
        return proposal


def _client(app, person_id):
    client = app.test_client()
    login(client, app, person_id)
    return client


def test_the_need_page_offers_i_can_help_to_organisations_with_an_open_offer(app, client, flow):
    pair = flow.pair(offer_code="acc-bookkeeping")  # another competence: people may still choose it
    second = flow.posts.offer(pair.provider, "it-network", title="Dépannage wifi")
    flow.posts.offer(pair.provider, "it-network", title="Offre en pause", status=PostStatus.PAUSED)
    page = _client(app, pair.provider_admin).get(f"/needs/{pair.need}").get_data(as_text=True)
    assert f'action="/needs/{pair.need}/help"' in page
    assert "Dépannage wifi" in page and "Offre en pause" not in page
    assert f'<option selected value="{second}">' in page  # the need's competence first
    # Not on the organisation's own need, not for visitors or coordinators, not without offers.
    assert "/help" not in _client(app, pair.recipient_admin).get(f"/needs/{pair.need}").get_data(as_text=True)
    assert "/help" not in client.get(f"/needs/{pair.need}").get_data(as_text=True)
    coordinator = _client(app, flow.make.coordinator())
    assert "/help" not in coordinator.get(f"/needs/{pair.need}").get_data(as_text=True)
    empty = flow.make.org(name="Sans offre")
    page = _client(app, flow.make.admin_of(empty)).get(f"/needs/{pair.need}").get_data(as_text=True)
    assert f'action="/needs/{pair.need}/help"' not in page and "/offers/new" in page


def test_ask_for_help_on_an_offer(app, flow, outbox):
    pair = flow.pair(provider_locale="nl")
    recipient = _client(app, pair.recipient_admin)
    page = recipient.get(f"/offers/{pair.offer}").get_data(as_text=True)
    assert f'action="/offers/{pair.offer}/ask"' in page
    response = post(recipient, f"/offers/{pair.offer}/ask", {"need_id": pair.need, "message": ""})
    assert response.status_code == 302
    proposal = _proposal(app)
    assert proposal.origin is ProposalOrigin.RECIPIENT
    assert proposal.recipient_accepted_at is not None and proposal.provider_accepted_at is None
    with app.app_context():
        assert [mail.to for mail in outbox] == [db.session.get(Person, pair.provider_admin).email]
    # The offer's page now shows the pending proposal instead of offering the same pair again.
    page = recipient.get(f"/offers/{pair.offer}").get_data(as_text=True)
    assert f"/proposals/{proposal.id}" in page and f'action="/offers/{pair.offer}/ask"' not in page


def test_only_the_side_whose_answer_is_awaited_answers(app, flow):
    pair = flow.pair()
    proposal = flow.proposal(pair)  # by the provider: the recipient answers
    provider, outsider = _client(app, pair.provider_admin), _client(app, flow.make.admin_of(flow.make.org()))
    coordinator = _client(app, flow.make.coordinator())
    for client in (provider, outsider, coordinator):
        assert post(client, f"/proposals/{proposal}/accept").status_code == 403
        assert post(client, f"/proposals/{proposal}/decline").status_code == 403
    assert outsider.get(f"/proposals/{proposal}").status_code == 403
    assert coordinator.get(f"/proposals/{proposal}").status_code == 200
    recipient = _client(app, pair.recipient_admin)
    assert post(recipient, f"/proposals/{proposal}/withdraw").status_code == 403  # only the proposer withdraws
    assert _proposal(app).status is ProposalStatus.PENDING
    # A plain member of the recipient answers as well as its admin.
    member = _client(app, flow.make.person(pair.recipient))
    assert post(member, f"/proposals/{proposal}/accept").status_code == 302
    assert _proposal(app).status is ProposalStatus.ACCEPTED
    assert post(recipient, f"/proposals/{proposal}/accept").status_code == 403  # accepted already


def test_a_declined_pair_is_remembered_and_refused(app, flow, outbox):
    pair = flow.pair()
    proposal = flow.proposal(pair)
    outbox.clear()
    recipient = _client(app, pair.recipient_admin)
    response = post(recipient, f"/proposals/{proposal}/decline", {"reason": "Nous avons trouvé quelqu'un."})
    assert response.status_code == 302
    declined = _proposal(app)
    assert declined.status is ProposalStatus.DECLINED and declined.declined_by == "recipient"
    assert "Nous avons trouvé quelqu'un." in outbox[0].text  # the proposer is told why
    assert post(recipient, f"/proposals/{proposal}/accept").status_code == 409  # too late to change one's mind
    for client, url, data in ((_client(app, pair.provider_admin), f"/needs/{pair.need}/help", {"offer_id": pair.offer}),
                              (recipient, f"/offers/{pair.offer}/ask", {"need_id": pair.need})):
        response = post(client, url, data)
        assert response.status_code == 409
        assert tr_html(app, "This need and this offer were already proposed to each other and the proposal "
                            "was declined: it cannot be proposed again.") in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 1


def test_a_pending_pair_is_not_proposed_twice_but_a_withdrawn_one_may_be_again(app, flow):
    pair = flow.pair()
    provider = _client(app, pair.provider_admin)
    assert post(provider, f"/needs/{pair.need}/help", {"offer_id": pair.offer}).status_code == 302
    proposal = _proposal(app).id
    assert post(provider, f"/needs/{pair.need}/help", {"offer_id": pair.offer}).status_code == 409
    assert post(provider, f"/proposals/{proposal}/withdraw").status_code == 302
    assert _proposal(app).status is ProposalStatus.WITHDRAWN
    # The other side may now propose the same pair itself: the same row comes back to life.
    recipient = _client(app, pair.recipient_admin)
    assert post(recipient, f"/offers/{pair.offer}/ask", {"need_id": pair.need}).status_code == 302
    again = _proposal(app)
    assert again.id == proposal and again.status is ProposalStatus.PENDING
    assert again.origin is ProposalOrigin.RECIPIENT and again.provider_accepted_at is None


def test_proposals_need_two_open_posts_of_two_organisations(app, flow):
    pair = flow.pair()
    provider = _client(app, pair.provider_admin)
    own_need = flow.posts.need(pair.provider, "it-network", title="Notre propre besoin")
    # Proposing another organisation's offer, or a post not of one's own, is refused.
    assert post(provider, f"/needs/{own_need}/help", {"offer_id": pair.offer}).status_code == 403
    foreign_offer = flow.posts.offer(flow.make.org(), "it-network", title="Offre d'autrui")
    assert post(provider, f"/needs/{pair.need}/help", {"offer_id": foreign_offer}).status_code == 400
    assert post(provider, f"/needs/{pair.need}/help", {"offer_id": 999999}).status_code == 400
    with app.app_context():
        db.session.get(Need, pair.need).status = PostStatus.CLOSED
        db.session.commit()
    assert post(provider, f"/needs/{pair.need}/help", {"offer_id": pair.offer}).status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 0


def test_a_proposal_whose_need_was_closed_can_no_longer_be_accepted(app, flow):
    pair = flow.pair()
    proposal = flow.proposal(pair)
    with app.app_context():
        db.session.get(Need, pair.need).status = PostStatus.CLOSED
        db.session.commit()
    response = post(_client(app, pair.recipient_admin), f"/proposals/{proposal}/accept")
    assert response.status_code == 409 and tr_html(
        app, "The need or the offer is closed or expired: this proposal can no longer be accepted.",
    ) in response.get_data(as_text=True)
    assert _proposal(app).status is ProposalStatus.PENDING


def test_a_matching_proposal_waits_for_both_sides(app, flow, outbox):
    pair = flow.pair()
    with app.app_context():
        proposal = Proposal(need_id=pair.need, offer_id=pair.offer, origin=ProposalOrigin.MATCHING,
                            score_parts={"competence": 1.0})
        db.session.add(proposal)
        db.session.commit()
        proposal_id = proposal.id
    provider, recipient = _client(app, pair.provider_admin), _client(app, pair.recipient_admin)
    assert post(provider, f"/proposals/{proposal_id}/withdraw").status_code == 403  # nobody proposed it
    assert post(provider, f"/proposals/{proposal_id}/accept").headers["Location"] == f"/proposals/{proposal_id}"
    assert _proposal(app).status is ProposalStatus.PENDING
    assert "/exchanges/" in post(recipient, f"/proposals/{proposal_id}/accept").headers["Location"]
    with app.app_context():
        assert db.session.scalar(sa.select(Exchange.proposal_id)) == proposal_id


def test_my_exchanges_lists_what_waits_for_us(app, flow):
    pair = flow.pair()
    flow.proposal(pair)
    page = _client(app, pair.recipient_admin).get("/exchanges").get_data(as_text=True)
    waiting = page.split('id="waiting-us"')[1].split("</section>")[0]
    assert "Réparer notre wifi" in waiting and "Atelier Informatique" in waiting
    page = _client(app, pair.provider_admin).get("/exchanges").get_data(as_text=True)
    assert 'id="waiting-them"' in page and "Maison de Quartier" in page.split('id="waiting-them"')[1]


def test_proposals_left_unanswered_are_reminded_once_after_a_week(app, flow, outbox):
    from datetime import timedelta

    pair = flow.pair(recipient_locale="nl")
    proposal = flow.proposal(pair)
    outbox.clear()
    runner = app.test_cli_runner()
    assert "0 proposal(s) reminded" in runner.invoke(args=["sem", "run-job", "remind"]).output
    with app.app_context():
        db.session.get(Proposal, proposal).created_at = utcnow() - timedelta(days=7, minutes=1)
        db.session.commit()
    assert "1 proposal(s) reminded" in runner.invoke(args=["sem", "run-job", "remind"]).output
    with app.app_context():
        assert [mail.to for mail in outbox] == [db.session.get(Person, pair.recipient_admin).email]
    assert f"/proposals/{proposal}" in outbox[0].text
    runner.invoke(args=["sem", "run-job", "remind"])
    assert len(outbox) == 1
