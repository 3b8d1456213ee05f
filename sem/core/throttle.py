"""Counting recent events per key (an account, an address) to slow down guessing and
abuse. Kept in the database so that every web worker sees the same counts."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sem.core.db import UTCDateTime, utcnow
from sem.extensions import db


class ThrottleEvent(db.Model):
    __tablename__ = "throttle_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(300), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


def seconds_blocked(key: str, *, limit: int, window: timedelta, now: datetime | None = None) -> int:
    """0 if `key` has had fewer than `limit` events within `window`; otherwise how many
    seconds until the oldest of the last `limit` leaves the window."""
    now = now or utcnow()
    recent = db.session.scalars(
        sa.select(ThrottleEvent.created_at)
        .where(ThrottleEvent.key == key, ThrottleEvent.created_at > now - window)
        .order_by(ThrottleEvent.created_at.desc())
        .limit(limit)
    ).all()
    if len(recent) < limit:
        return 0
    return int((recent[-1] + window - now).total_seconds()) + 1


def record(*keys: str, window: timedelta, now: datetime | None = None) -> None:
    now = now or utcnow()
    db.session.add_all([ThrottleEvent(key=key, created_at=now) for key in keys])
    # Old events are worthless; prune them here rather than in a job.
    db.session.execute(sa.delete(ThrottleEvent).where(ThrottleEvent.created_at < now - 2 * window))


def forget(key: str) -> None:
    db.session.execute(sa.delete(ThrottleEvent).where(ThrottleEvent.key == key))
