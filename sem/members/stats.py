"""Figures about membership, read-only, for the home page and the coordinator area."""

import sqlalchemy as sa

from sem.extensions import db
from sem.members.models import Organisation, OrgStatus, Stage


def network_figures() -> dict[str, int]:
    # One statement: members by stage, and the communes they are in.
    established = sa.func.count().filter(Organisation.stage == Stage.ESTABLISHED)
    emerging = sa.func.count().filter(Organisation.stage == Stage.EMERGING)
    members, established, emerging, communes = db.session.execute(
        sa.select(sa.func.count(), established, emerging, sa.func.count(sa.distinct(Organisation.commune)))
        .where(Organisation.status == OrgStatus.APPROVED)
    ).one()
    return {"members": members, "established": established, "emerging": emerging, "communes": communes or 0}


def status_counts() -> dict[OrgStatus, int]:
    rows = db.session.execute(sa.select(Organisation.status, sa.func.count()).group_by(Organisation.status)).all()
    return {status: rows_count for status, rows_count in rows}
