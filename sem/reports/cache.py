"""A small in-process cache for the heaviest report figures.

At federation size the figures of one period read about a hundred thousand monthly rows;
they change only when the data behind them changes. Each entry is keyed by what it was
computed from (the period and filters) and by a fingerprint of the data (the ledger's last
transaction, the organisations and their vocabulary links, the last need, proposal, exchange
and offer), so a new transaction, stage, need or offer shows at once; entries also expire
after `REPORTS_CACHE_SECONDS` (600; 0 turns the cache off) to bound what the fingerprint
cannot see (a commune renamed). One cache per worker process: nothing to set up or share.
"""

import threading
import time
from collections import OrderedDict

import sqlalchemy as sa
from flask import current_app

from sem.exchanges.models import Exchange, Proposal
from sem.extensions import db
from sem.ledger.models import LedgerTransaction
from sem.market.models import Need, Offer, PostStatus
from sem.members.models import Organisation, organisation_term

MAX_ENTRIES = 64
_entries: OrderedDict = OrderedDict()
_lock = threading.Lock()


def fingerprint() -> tuple:
    """Cheap to read (indexes and two small sums), different whenever the figures may be."""
    tx, org = LedgerTransaction, Organisation
    emerging = sa.case((org.stage == "emerging", org.id), else_=0)
    approved = sa.case((org.status == "approved", org.id), else_=0)
    return tuple(db.session.execute(sa.select(
        sa.select(sa.func.max(tx.id)).scalar_subquery(),
        sa.select(sa.func.max(tx.created_at)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(org).scalar_subquery(),
        sa.select(sa.func.sum(emerging)).select_from(org).scalar_subquery(),
        sa.select(sa.func.sum(approved)).select_from(org).scalar_subquery(),
        sa.select(sa.func.sum(organisation_term.c.organisation_id * 7919 + organisation_term.c.term_id))
        .scalar_subquery(),
        *(sa.select(sa.func.max(model.id)).scalar_subquery() for model in (Need, Proposal, Exchange)),
        sa.select(sa.func.count()).select_from(Offer).where(Offer.status == PostStatus.OPEN).scalar_subquery(),
        sa.select(sa.func.max(Offer.id)).scalar_subquery())).one())


def cached(name: str, key: tuple, compute):
    """compute() once per (name, key, data fingerprint) within the lifetime."""
    seconds = current_app.config.get("REPORTS_CACHE_SECONDS", 600)
    if not seconds:
        return compute()
    full_key = (db.engine.url.render_as_string(), name, key, fingerprint())
    now = time.monotonic()
    with _lock:
        hit = _entries.get(full_key)
        if hit is not None and hit[0] > now:
            _entries.move_to_end(full_key)
            return hit[1]
    value = compute()
    with _lock:
        _entries[full_key] = (now + seconds, value)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
