"""Translated names of proposal, exchange, declaration and dispute values, for templates and mails."""

from flask_babel import lazy_gettext as _l

from sem.exchanges.models import DeclarationStatus, DisputeResolution, ExchangeStatus, ProposalOrigin, ProposalStatus

PROPOSAL_STATUS_LABELS = {
    ProposalStatus.PENDING: _l("Waiting for an answer"),
    ProposalStatus.ACCEPTED: _l("Accepted"),
    ProposalStatus.DECLINED: _l("Declined"),
    ProposalStatus.WITHDRAWN: _l("Withdrawn"),
    ProposalStatus.EXPIRED: _l("Expired"),
}
PROPOSAL_ORIGIN_LABELS = {
    ProposalOrigin.PROVIDER: _l("Offered by the provider (“I can help”)"),
    ProposalOrigin.RECIPIENT: _l("Asked by the recipient (“Ask for help”)"),
    ProposalOrigin.MATCHING: _l("Proposed by SEM's matching"),
}
EXCHANGE_STATUS_LABELS = {ExchangeStatus.OPEN: _l("In progress"), ExchangeStatus.CLOSED: _l("Closed")}
DECLARATION_STATUS_LABELS = {
    DeclarationStatus.DECLARED: _l("Waiting for confirmation"),
    DeclarationStatus.CONFIRMED: _l("Confirmed"),
    DeclarationStatus.CONTESTED: _l("Contested"),
    DeclarationStatus.CANCELLED: _l("Cancelled"),
}
RESOLUTION_LABELS = {
    DisputeResolution.CONFIRMED: _l("Hours confirmed"),
    DisputeResolution.ADJUSTED: _l("Hours adjusted"),
    DisputeResolution.CANCELLED: _l("Hours cancelled"),
}

# Which of the site's badge colours (sem.css) each state wears.
BADGES = {
    ProposalStatus.PENDING: "pending", ProposalStatus.ACCEPTED: "approved", ProposalStatus.DECLINED: "rejected",
    ProposalStatus.WITHDRAWN: "closed", ProposalStatus.EXPIRED: "closed",
    ExchangeStatus.OPEN: "open", ExchangeStatus.CLOSED: "closed",
    DeclarationStatus.DECLARED: "pending", DeclarationStatus.CONFIRMED: "approved",
    DeclarationStatus.CONTESTED: "urgent", DeclarationStatus.CANCELLED: "closed",
}


def template_globals() -> dict:
    return {"PROPOSAL_STATUS_LABELS": PROPOSAL_STATUS_LABELS, "PROPOSAL_ORIGIN_LABELS": PROPOSAL_ORIGIN_LABELS,
            "EXCHANGE_STATUS_LABELS": EXCHANGE_STATUS_LABELS,
            "DECLARATION_STATUS_LABELS": DECLARATION_STATUS_LABELS, "RESOLUTION_LABELS": RESOLUTION_LABELS,
            "EXCHANGE_BADGES": BADGES}
