"""Figures about membership, read-only, for the home page and the coordinator area."""

import sqlalchemy as sa

from sem.extensions import db
from sem.members.models import Organisation, OrgStatus, Stage


def network_figures() -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Organisation.stage, sa.func.count())
        .where(Organisation.status == OrgStatus.APPROVED)
        .group_by(Organisation.stage)
    ).all()
    by_stage = {stage: count for stage, count in rows}
    communes = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Organisation.commune))).where(Organisation.status == OrgStatus.APPROVED)
    )
    return {
        "members": sum(by_stage.values()),
        "established": by_stage.get(Stage.ESTABLISHED, 0),
        "emerging": by_stage.get(Stage.EMERGING, 0),
        "communes": communes or 0,
    }


def status_counts() -> dict[OrgStatus, int]:
    rows = db.session.execute(sa.select(Organisation.status, sa.func.count()).group_by(Organisation.status)).all()
    return {status: rows_count for status, rows_count in rows}
