"""Coordinators manage sectors, methods and target publics in three languages."""

import sqlalchemy as sa

from sem.catalogue.models import Term, TermKind
from sem.extensions import db
from sem.members.models import AuditEvent, Organisation
from tests.conftest import login, post


def test_coordinator_adds_renames_and_retires_a_term(app, client, make):
    login(client, app, make.coordinator())
    response = post(client, "/coordination/vocabularies/sector",
                    {"label_fr": "Sport", "label_nl": "Sport", "label_en": "Sport"})
    assert response.status_code == 302
    with app.app_context():
        term = db.session.scalar(sa.select(Term))
        assert term.kind is TermKind.SECTOR and term.code == "sport"
        term_id = term.id
    post(client, f"/coordination/vocabularies/terms/{term_id}",
         {"label_fr": "Sport et loisirs", "label_nl": "Sport en vrije tijd", "label_en": "Sport and leisure"})
    post(client, f"/coordination/vocabularies/terms/{term_id}/retire")
    with app.app_context():
        term = db.session.get(Term, term_id)
        assert term.retired and term.label_nl == "Sport en vrije tijd"
        actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["vocabulary.added", "vocabulary.renamed", "vocabulary.retired"]


def test_duplicate_or_empty_labels_are_refused(app, client, make):
    make.vocabularies()
    login(client, app, make.coordinator())
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Term))
    duplicate = post(client, "/coordination/vocabularies/sector",
                     {"label_fr": "LOGEMENT", "label_nl": "Iets", "label_en": "Something"})
    empty = post(client, "/coordination/vocabularies/method", {"label_fr": "", "label_nl": "x", "label_en": "x"})
    assert duplicate.status_code == empty.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Term)) == before


def test_retired_term_stays_on_organisations_but_is_not_offered(app, client, make):
    make.vocabularies()
    with app.app_context():
        housing = db.session.scalar(sa.select(Term).where(Term.code == "housing"))
        housing_id = housing.id
    org = make.org()
    with app.app_context():
        organisation, term = db.session.get(Organisation, org), db.session.get(Term, housing_id)
        organisation.terms.append(term)
        term.retired = True
        db.session.commit()
    # Shown on the profile, still offered to the organisation that has it, not to newcomers.
    assert "Logement" in client.get(f"/organisations/{org}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert f'value="{housing_id}"' not in client.get("/apply").get_data(as_text=True)
    login(client, app, make.admin_of(org))
    assert f'value="{housing_id}"' in client.get(f"/organisations/{org}/edit").get_data(as_text=True)


def test_labels_follow_the_page_language(app, client, make):
    make.vocabularies()
    assert "Milieu en transitie" in client.get("/apply", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Environnement et transition" in client.get("/apply", headers={"Accept-Language": "fr"}).get_data(
        as_text=True)
