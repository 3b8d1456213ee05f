"""Done means: in the demo network a coordinator previews a run, runs it, and the demo
emerging organisation finds a proposal with its explanation."""

import sqlalchemy as sa

from sem.demo import DEMO_PASSWORD
from sem.exchanges.models import Proposal, ProposalOrigin
from sem.extensions import db
from sem.market.models import Need
from sem.matching.models import MatchRun
from sem.members.models import Organisation, Person
from tests.conftest import post, tr


def test_the_demo_emerging_organisation_receives_an_explained_proposal(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["sem", "demo"]).exit_code == 0
    coordinator = app.test_client()
    with app.app_context():
        coordinator_email = db.session.scalar(sa.select(Person.email).where(Person.is_coordinator))
    login = {"email": coordinator_email, "password": DEMO_PASSWORD}
    assert post(coordinator, "/login", login).status_code == 302
    assert post(coordinator, "/coordination/matching/preview").status_code == 302
    result = runner.invoke(args=["sem", "run-job", "match"])
    assert result.exit_code == 0 and "solver optimal" in result.output, result.output
    with app.app_context():
        potager = db.session.scalar(sa.select(Organisation).where(
            Organisation.name == "Collectif Potager des Marolles"))
        proposal = db.session.scalar(
            sa.select(Proposal).join(Need, Need.id == Proposal.need_id)
            .where(Need.organisation_id == potager.id, Proposal.origin == ProposalOrigin.MATCHING))
        assert proposal is not None and proposal.score_parts["parts"]["reciprocity"]["value"] > 0.5
        # the runs list tells a run started from the command line from the scheduler's
        assert db.session.scalars(sa.select(MatchRun.trigger).where(MatchRun.dry_run.is_(False))).all() == ["command"]
        admin_email = potager.people[0].email
    member = app.test_client()
    assert post(member, "/login", {"email": admin_email, "password": DEMO_PASSWORD}).status_code == 302
    page = member.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert tr(app, "Why SEM proposed it") in page and tr(app, "Reciprocity") in page
