"""An exact cache of the directory page's content (filters, tabs, results), per worker.

The content depends only on the data of the directory (organisations, their terms and
languages, offers, needs, the catalogue, the search documents) and on the request's inputs
(kind, every filter, page, locale, script root): never on who is looking. Every insert,
update or delete on those tables bumps one counter in the database, in the same transaction
(triggers made by the migration 'directory version'); each request reads the counter first
and only takes an entry made at that very version, so a change shows at once, in every
worker. A worker keeps one version's entries: a newer version empties it.

Anonymous requests only, and `DIRECTORY_CACHE = False` turns it off (e.g. to measure the
real work)."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import sqlalchemy as sa
from flask import current_app

from sem.extensions import db

MAX_ENTRIES = 256  # about 25 kB each

# The tables whose rows the directory shows or searches: a trigger on each bumps the version.
TABLES = ("organisation", "organisation_term", "organisation_language", "offer", "need", "competence",
          "competence_domain", "term", "search_document")


class _Cache:
    def __init__(self):
        self.lock = threading.Lock()
        self.version = -1
        self.entries: OrderedDict[Hashable, str] = OrderedDict()
        self.hits = self.misses = 0


def _cache() -> _Cache:
    return current_app.extensions.setdefault("sem_directory_cache", _Cache())


_VERSION = sa.text("SELECT n FROM directory_version WHERE id = 1")


def version() -> int:
    """The directory's data version: it changes in the transaction of every change.

    Read outside the session's transaction, in autocommit: a cached page then costs no
    BEGIN and ROLLBACK round trips. Still exact: whatever is read after this (the content,
    on a miss) is at least as new as this version, and the counter only grows."""
    with db.engine.connect() as connection:
        return connection.execution_options(isolation_level="AUTOCOMMIT").execute(_VERSION).scalar_one()


def content(key: Hashable, render: Callable[[], str]) -> str:
    """The cached content for `key` at the current version, else `render()` (kept for the
    next request at this version)."""
    cache = _cache()
    now = version()
    with cache.lock:
        if now > cache.version:
            cache.entries.clear()
            cache.version = now
        found = cache.entries.get(key) if now == cache.version else None
        if found is not None:
            cache.entries.move_to_end(key)
            cache.hits += 1
            return found
        cache.misses += 1
    value = render()
    with cache.lock:
        if now == cache.version:  # not if a newer version came meanwhile
            cache.entries[key] = value
            while len(cache.entries) > MAX_ENTRIES:
                cache.entries.popitem(last=False)
    return value
