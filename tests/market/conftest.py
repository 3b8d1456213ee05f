"""Factories for offers and needs."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from sem.catalogue.models import Competence
from sem.core.db import utcnow
from sem.extensions import db
from sem.market.models import Mode, Need, Offer, PostStatus, Urgency


class Posts:
    def __init__(self, app, make):
        self.app, self.make = app, make
        make.vocabularies()

    def competence(self, code: str) -> int:
        with self.app.app_context():
            return db.session.scalar(sa.select(Competence.id).where(Competence.code == code))

    def offer(self, org_id, code="it-network", *, title="Aide réseau", description="", languages=("fr",),
              mode=Mode.BOTH, hours=10, status=PostStatus.OPEN, expires_in=timedelta(days=100),
              standing=False, created_ago=timedelta(days=1)) -> int:
        with self.app.app_context():
            offer = Offer(organisation_id=org_id, competence_id=self.competence(code), title=title,
                          description=description, languages=list(languages), mode=mode,
                          monthly_capacity_minutes=hours * 60, status=status, standing=standing,
                          created_at=utcnow() - created_ago, expires_at=utcnow() + expires_in)
            db.session.add(offer)
            db.session.commit()
            return offer.id

    def need(self, org_id, code="it-network", *, title="Besoin réseau", description="", languages=("fr",),
             urgency=Urgency.NORMAL, hours=4, status=PostStatus.OPEN, expires_in=timedelta(days=60),
             created_ago=timedelta(days=1)) -> int:
        with self.app.app_context():
            need = Need(organisation_id=org_id, competence_id=self.competence(code), title=title,
                        description=description, languages=list(languages), urgency=urgency,
                        estimated_minutes=hours * 60, status=status, created_at=utcnow() - created_ago,
                        expires_at=utcnow() + expires_in)
            db.session.add(need)
            db.session.commit()
            return need.id


@pytest.fixture
def posts(app, make):
    return Posts(app, make)
