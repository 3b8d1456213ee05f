"""Translated names of offer and need values, for templates and mails."""

from flask_babel import lazy_gettext as _l

from sem.catalogue.models import TermKind
from sem.market.models import Mode, PostStatus, Urgency

POST_STATUS_LABELS = {
    PostStatus.OPEN: _l("Open"),
    PostStatus.PAUSED: _l("Paused"),
    PostStatus.CLOSED: _l("Closed"),
    PostStatus.EXPIRED: _l("Expired"),
}
MODE_LABELS = {Mode.ON_SITE: _l("On site"), Mode.REMOTE: _l("Remote"), Mode.BOTH: _l("On site or remote")}
URGENCY_LABELS = {Urgency.NORMAL: _l("Normal"), Urgency.URGENT: _l("Urgent")}


def template_globals() -> dict:
    return {"POST_STATUS_LABELS": POST_STATUS_LABELS, "MODE_LABELS": MODE_LABELS, "URGENCY_LABELS": URGENCY_LABELS,
            "TERM_KINDS": {kind.name: kind for kind in TermKind}}
