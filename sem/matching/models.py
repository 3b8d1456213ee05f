"""Matching: its settings (weights and k), the record of every run, and which proposals a
run made. The score parts of a proposal live on the proposal itself (`Proposal.score_parts`),
so both organisations see why it was proposed."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sem.core.db import UTCDateTime, utcnow
from sem.exchanges.models import Proposal
from sem.extensions import db
from sem.members.models import Person


class MatchingSettings(db.Model):
    """Weights of the score parts and k (proposals per need). Never edited: each change is a
    new row (the latest applies), also written to the audit log."""

    __tablename__ = "matching_settings"
    __table_args__ = (sa.CheckConstraint("proposals_per_need BETWEEN 1 AND 10", name="k"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    weights: Mapped[dict] = mapped_column(sa.JSON)
    proposals_per_need: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    set_by: Mapped[Person | None] = relationship()


class MatchRun(db.Model):
    """One run of the matcher: a preview (dry run, nothing sent), a full run, or one need
    matched by hand."""

    __tablename__ = "match_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    dry_run: Mapped[bool] = mapped_column(default=False)
    trigger: Mapped[str] = mapped_column(sa.String(20))  # "scheduler", "coordinator", "hand"
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    needs: Mapped[int] = mapped_column(default=0)
    offers: Mapped[int] = mapped_column(default=0)
    candidates: Mapped[int] = mapped_column(default=0)
    proposals: Mapped[int] = mapped_column(default=0)
    total_score: Mapped[float] = mapped_column(sa.Float, default=0.0)
    mean_score: Mapped[float] = mapped_column(sa.Float, default=0.0)
    seconds: Mapped[float] = mapped_column(sa.Float, default=0.0)
    solver_seconds: Mapped[float] = mapped_column(sa.Float, default=0.0)
    solver_status: Mapped[str] = mapped_column(sa.String(20), default="")
    # The settings used, and for a preview the pairs it would propose (best first, capped).
    settings: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    preview: Mapped[list] = mapped_column(sa.JSON, default=list)

    actor: Mapped[Person | None] = relationship()


class MatchedProposal(db.Model):
    """A proposal made by a run, with its score (its parts are on the proposal)."""

    __tablename__ = "matched_proposal"

    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("match_run.id"), index=True)
    score: Mapped[float] = mapped_column(sa.Float)

    proposal: Mapped[Proposal] = relationship()
    run: Mapped[MatchRun] = relationship()
