"""Who may see which report. The dashboard, the network graph and the exports of the whole
network are for coordinators; an organisation's report for its own people and coordinators.
The public summary on the home page holds network-wide totals only."""

from sem.members import policy as members_policy
from sem.members.models import Organisation

require = members_policy.require


def can_view_impact(person) -> bool:
    return members_policy.is_coordinator(person)


def can_view_organisation_report(person, org: Organisation) -> bool:
    return members_policy.belongs_to(person, org) or members_policy.is_coordinator(person)
