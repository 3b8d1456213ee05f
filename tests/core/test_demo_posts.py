"""The demo network's offers and needs: realistic, bilingual, covering the catalogue, idempotent."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from sem.catalogue.models import Competence, Domain
from sem.catalogue.seed import COMPETENCES
from sem.catalogue.vocab import LANGUAGE_BITS
from sem.core.db import utcnow
from sem.demo import NEEDS, OFFERS, ORGANISATIONS, load_demo
from sem.extensions import db
from sem.market.models import Need, Offer, PostStatus, Urgency
from sem.members.models import Organisation, OrgStatus

MODELS = (Offer, Need)


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["sem", "demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        yield
        db.session.rollback()


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _open(model):
    return model.status == PostStatus.OPEN


def test_the_tables_are_consistent():
    approved = {row[0] for row in ORGANISATIONS if row[3] is OrgStatus.APPROVED}
    codes = {code for _, _, competences in COMPETENCES for code, *_ in competences}
    for rows in (OFFERS, NEEDS):
        keys = [(row[0], row[-2]) for row in rows]
        assert len(keys) == len(set(keys)), "a post is identified by (organisation, title)"
        for row in rows:
            assert row[0] in approved, row[0]
            assert row[1] in codes, row[1]
            assert set(row[2].split()) <= LANGUAGE_BITS.keys(), row[2]
            assert len(row[-2]) <= 140 and 2 <= len(re.findall(r"[.!?](?:\s|$)", row[-1])) <= 4, row[-2]
    assert all(2 <= row[4] <= 20 for row in OFFERS)
    assert all(2 <= row[3] <= 40 for row in NEEDS)


def test_demo_adds_offers_and_needs(demo):
    assert _count(Offer) >= 60
    assert _count(Need) >= 40


def test_every_domain_has_open_offers_and_needs(demo):
    for code, *_ in COMPETENCES:
        in_domain = Competence.domain_id == db.session.scalar(sa.select(Domain.id).where(Domain.code == code))
        for model, minimum in ((Offer, 2), (Need, 1)):
            posts = _count(model.__table__.join(Competence.__table__, model.competence_id == Competence.id),
                           _open(model), in_domain)
            assert posts >= minimum, (code, model.kind)


def test_both_languages_are_well_represented(demo):
    for language in ("fr", "nl"):
        bit = LANGUAGE_BITS[language]
        assert _count(Offer, _open(Offer), Offer.language_mask.op("&")(bit) != 0) >= 15, language
        assert _count(Need, _open(Need), Need.language_mask.op("&")(bit) != 0) >= 10, language


def test_only_approved_organisations_post(demo):
    for model in MODELS:
        assert _count(model.__table__.join(Organisation.__table__), Organisation.status != OrgStatus.APPROVED) == 0
        assert _count(model.__table__.join(Organisation.__table__), Organisation.status == OrgStatus.APPROVED) > 0


def test_loading_twice_adds_nothing(app, demo):
    counts = {model: _count(model) for model in MODELS}
    result = app.test_cli_runner().invoke(args=["sem", "demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert {model: _count(model) for model in MODELS} == counts
    added = load_demo()
    assert added["offers"] == added["needs"] == added["organisations"] == added["people"] == 0


def test_lifecycles_and_dates(demo):
    now = utcnow()
    for model in MODELS:
        live = db.session.scalars(sa.select(model).where(model.status.in_([PostStatus.OPEN, PostStatus.PAUSED])))
        for post in live:
            assert post.expires_at > now, post.title
            assert post.created_at < now
        statuses = set(db.session.scalars(sa.select(model.status)))
        assert statuses == set(PostStatus), model.kind
        soon = _count(model, _open(model), model.expires_at <= now + timedelta(days=10))
        assert 1 <= soon <= 3, model.kind
        assert _count(model, model.status == PostStatus.OPEN) > _count(model) / 2
    for post in db.session.scalars(sa.select(Offer)):
        lifetime = timedelta(days=365 if post.standing else 182)
        assert post.expires_at - post.created_at == lifetime
    for post in db.session.scalars(sa.select(Need)):
        assert post.expires_at - post.created_at == timedelta(days=91)
    assert _count(Offer, _open(Offer), Offer.standing.is_(True)) >= 1
    assert _count(Need, _open(Need), Need.urgency == Urgency.URGENT) >= 1
    assert _count(Need, Need.wished_by.is_(None)) >= 1


def test_posts_are_searchable(demo):
    from sem.market.search import SearchDocument

    for model in MODELS:
        assert _count(SearchDocument, SearchDocument.kind == model.kind) == _count(model)
