"""Large demo data sets for benchmarks: `flask sem demo --scale city|federation`.

On top of the ordinary demo network (its logins keep working), this adds many generated
organisations, their people, open offers and needs, their search documents and years of
ledger history, with bulk inserts (lists of rows in one `executemany`, COPY on PostgreSQL).

The ledger written here is as valid as the one `post_transaction` writes, one transaction at
a time: every transaction sums to zero, no account ever goes below its floor, emerging
recipients are paid by the solidarity fund up to their yearly allowance, the hash chains are
computed with `entry_hash` over the very fields `post_transaction` hashes, and the cached
balances, counts and last hashes are the results. `flask sem ledger verify` checks all of it.
"""

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from sem.catalogue.models import Competence, Domain, Term, TermKind
from sem.catalogue.vocab import COMMUNES, language_mask
from sem.core.db import utcnow
from sem.extensions import db
from sem.ledger import services as ledger
from sem.ledger.models import Account, AccountKind, Entry, FloorRule, LedgerTransaction, TransactionKind
from sem.market.models import Need, Offer
from sem.market.search import SearchDocument, index_terms
from sem.members.models import (
    CharterAcceptance,
    Organisation,
    OrganisationLanguage,
    Person,
    Stage,
    organisation_term,
)


@dataclass(frozen=True)
class Scale:
    organisations: int
    open_posts: int  # open offers and needs together
    entries: int  # ledger entries
    years: int = 5


SCALES = {
    "city": Scale(organisations=500, open_posts=2_000, entries=100_000),
    "federation": Scale(organisations=5_000, open_posts=20_000, entries=2_000_000),
    # For the benchmark's "small ledger" comparison and for tests.
    "small": Scale(organisations=50, open_posts=200, entries=2_000),
}

DOMAIN = "scale.sem.brussels"
CHUNK = 20_000  # transactions written per batch

FIRST_WORDS = ["Maison", "Collectif", "Atelier", "Centre", "Réseau", "Buurthuis", "Werkplaats", "Vzw", "Asbl",
               "Coopérative", "Huis", "Espace", "Ligue", "Fédération", "Club", "Projet", "Initiatief", "Plateforme"]
SECOND_WORDS = ["Solidaire", "du Quartier", "Citoyen", "Vrouwen", "Jeugd", "des Aînés", "Groen", "Numérique",
                "Culturel", "Sociaal", "des Devoirs", "Buurt", "Vélo", "Santé", "Nieuwkomers", "Théâtre",
                "Potager", "Emploi", "Logement", "Taal", "Musique", "Sport", "Droits", "Voedsel"]
DESCRIPTIONS = [
    "Une association de quartier qui organise des ateliers, des permanences et des repas partagés.",
    "Een vzw die buurtbewoners samenbrengt rond taal, cultuur en vorming.",
    "Accompagnement administratif, aide aux démarches et formation pour adultes.",
    "Wij begeleiden jongeren met huiswerk, sport en creatieve workshops.",
    "Un collectif citoyen pour le climat, la réparation et le zéro déchet.",
    "Ondersteuning van kleine verenigingen: boekhouding, communicatie en subsidiedossiers.",
    "Accueil des personnes primo-arrivantes : cafés-langues et orientation.",
    "Een coöperatie die vergaderzalen, materiaal en vrijwilligers deelt.",
]
OFFER_PHRASES = [("Nous proposons", "fr"), ("Wij bieden", "nl"), ("Aide ponctuelle en", "fr"),
                 ("Begeleiding bij", "nl"), ("Formation courte :", "fr"), ("Vorming:", "nl")]
NEED_PHRASES = [("Nous cherchons de l'aide en", "fr"), ("Wij zoeken hulp bij", "nl"), ("Besoin urgent :", "fr"),
                ("Gezocht:", "nl"), ("Un coup de main pour", "fr"), ("Hulp gevraagd voor", "nl")]
POST_TEXTS = [
    "Quelques heures par mois, sur place ou à distance, avec une personne de notre équipe.",
    "Een paar uur per maand, ter plaatse of op afstand, met iemand van ons team.",
    "Pour notre assemblée générale, nos statuts et notre comptabilité annuelle.",
    "Voor onze website, onze affiches en onze nieuwsbrief aan de leden.",
    "Nous avons besoin d'une salle, d'une sono et de bénévoles pour un événement de quartier.",
]
LANGUAGE_SETS = [("fr",), ("nl",), ("fr", "nl"), ("fr", "nl", "en"), ("fr", "ar"), ("nl", "fr", "en"), ("fr", "es")]


def _iso(moment: datetime) -> str:
    return moment.isoformat()


class _Writer:
    """Appends rows to tables: COPY on PostgreSQL, one executemany elsewhere."""

    def __init__(self):
        self.connection = db.session.connection()
        self.postgresql = self.connection.dialect.name == "postgresql"

    def write(self, table: sa.Table, rows: list[dict]) -> None:
        if not rows:
            return
        if not self.postgresql:
            self.connection.execute(sa.insert(table), rows)
            return
        columns = list(rows[0])
        raw = self.connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])

    def next_id(self, table: sa.Table) -> int:
        return (self.connection.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1

    def fix_sequences(self, tables) -> None:
        if not self.postgresql:
            return
        for table in tables:
            last = self.connection.scalar(sa.select(sa.func.max(table.c.id)))
            self.connection.execute(sa.select(sa.func.setval(sa.func.pg_get_serial_sequence(table.name, "id"),
                                                             last or 1)))


def load_scale(scale: Scale, *, seed: int = 2026, echo=lambda message: None) -> dict[str, int]:
    """Add a generated network of `scale`'s size on top of the demo network (already loaded)."""
    from sem.demo import DEMO_PASSWORD, load_demo
    from sem.members.passwords import hash_password

    load_demo()
    db.session.flush()
    if db.session.scalar(sa.select(Person.id).where(Person.email.like(f"%@{DOMAIN}")).limit(1)) is not None:
        raise ValueError("a generated data set is already loaded in this database")
    rnd = random.Random(seed)  # noqa: S311 (plausible data, not secrets)
    writer = _Writer()
    coordinator = db.session.scalar(sa.select(Person).where(Person.is_coordinator.is_(True)).order_by(Person.id))
    charter_id = db.session.scalar(sa.text("SELECT max(id) FROM charter_version"))
    password_hash = hash_password(DEMO_PASSWORD)
    now = utcnow().replace(microsecond=0)
    started = time.perf_counter()
    counts = {}

    orgs = _organisations(writer, scale, rnd, now, charter_id, password_hash)
    counts["organisations"] = len(orgs)
    echo(f"  {len(orgs)} organisations and their people ({time.perf_counter() - started:.1f} s)")
    counts["offers"], counts["needs"] = _posts(writer, scale, rnd, now, orgs)
    echo(f"  {counts['offers']} offers, {counts['needs']} needs and their search documents "
         f"({time.perf_counter() - started:.1f} s)")
    counts["transactions"], counts["entries"] = _ledger(writer, scale, rnd, now, coordinator.id)
    echo(f"  {counts['transactions']} transactions, {counts['entries']} entries "
         f"({time.perf_counter() - started:.1f} s)")
    writer.fix_sequences([Organisation.__table__, Person.__table__, CharterAcceptance.__table__,
                          Offer.__table__, Need.__table__, SearchDocument.__table__,
                          LedgerTransaction.__table__, Entry.__table__, Account.__table__])
    db.session.expire_all()
    # The reports' monthly figures are kept by the ledger writer, which a bulk load bypasses.
    from sem.reports import aggregate

    counts["monthly_rows"] = aggregate.rebuild()
    echo(f"  {counts['monthly_rows']} rows of monthly report figures ({time.perf_counter() - started:.1f} s)")
    return counts


# --- members -------------------------------------------------------------------------------


def _organisations(writer: _Writer, scale: Scale, rnd: random.Random, now: datetime, charter_id: int,
                   password_hash: str) -> list[dict]:
    terms = {kind: list(db.session.scalars(sa.select(Term).where(Term.kind == kind, Term.retired.is_(False))))
             for kind in TermKind}
    communes = [c for c in COMMUNES if c.code not in ("public", "other")]
    org_id, person_id = writer.next_id(Organisation.__table__), writer.next_id(Person.__table__)
    acceptance_id = writer.next_id(CharterAcceptance.__table__)
    orgs, people, languages, org_terms, acceptances, documents = [], [], [], [], [], []
    for n in range(scale.organisations):
        commune = rnd.choice(communes)
        name = f"{rnd.choice(FIRST_WORDS)} {rnd.choice(SECOND_WORDS)} {commune.label_fr} {n + 1:05d}"
        stage = Stage.EMERGING if rnd.random() < 0.4 else Stage.ESTABLISHED
        langs = rnd.choice(LANGUAGE_SETS)
        chosen = [rnd.choice(terms[TermKind.SECTOR]), rnd.choice(terms[TermKind.METHOD]),
                  rnd.choice(terms[TermKind.PUBLIC])]
        chosen = list({t.id: t for t in chosen}.values())
        created = now - timedelta(days=rnd.randint(30, 365 * scale.years))
        description = rnd.choice(DESCRIPTIONS)
        org = {"id": org_id, "name": name, "legal_form": rnd.choice(["asbl", "de-facto", "cooperative"]),
               "stage": stage.value, "status": "approved", "commune": commune.code, "website": "",
               "description": description, "contact_email": f"info{n + 1:05d}@{DOMAIN}",
               "decided_at": created, "decision_reason": "", "reminded_at": None, "created_at": created}
        orgs.append(org)
        people.append({"id": person_id, "organisation_id": org_id, "email": f"admin{n + 1:05d}@{DOMAIN}",
                       "name": f"Admin {n + 1:05d}", "password_hash": password_hash, "role": "admin",
                       "is_coordinator": False, "locale": "nl" if langs[0] == "nl" else "fr", "active": True,
                       "removed_at": None, "last_login_at": None, "created_at": created})
        languages.extend({"organisation_id": org_id, "language": code} for code in langs)
        org_terms.extend({"organisation_id": org_id, "term_id": t.id} for t in chosen)
        acceptances.append({"id": acceptance_id, "organisation_id": org_id, "charter_version_id": charter_id,
                            "person_id": person_id, "accepted_at": created})
        labels = [label for t in chosen for label in t.labels.values()]
        documents.append({"kind": "organisation", "ref_id": org_id,
                          "terms": index_terms(name, description, *labels, commune.label_fr, commune.label_nl)})
        org["stage_enum"], org["languages"] = stage, langs
        org_id, person_id, acceptance_id = org_id + 1, person_id + 1, acceptance_id + 1
    writer.write(Organisation.__table__, [{k: v for k, v in o.items() if k not in ("stage_enum", "languages")}
                                          for o in orgs])
    writer.write(Person.__table__, people)
    writer.write(OrganisationLanguage.__table__, languages)
    writer.write(organisation_term, org_terms)
    writer.write(CharterAcceptance.__table__, acceptances)
    _write_documents(writer, documents)
    return orgs


def _write_documents(writer: _Writer, documents: list[dict]) -> None:
    doc_id = writer.next_id(SearchDocument.__table__)
    for document in documents:
        document["id"] = doc_id
        doc_id += 1
    writer.write(SearchDocument.__table__, documents)


# --- offers and needs ----------------------------------------------------------------------


def _posts(writer: _Writer, scale: Scale, rnd: random.Random, now: datetime, orgs: list[dict]) -> tuple[int, int]:
    competences = list(db.session.scalars(sa.select(Competence).where(Competence.retired.is_(False),
                                                                      Competence.merged_into_id.is_(None))))
    domains = {d.id: d for d in db.session.scalars(sa.select(Domain))}
    config = current_app.config
    offers, needs, documents = [], [], []
    offer_id, need_id = writer.next_id(Offer.__table__), writer.next_id(Need.__table__)
    for n in range(scale.open_posts):
        org = rnd.choice(orgs)
        competence = rnd.choice(competences)
        is_offer = n % 2 == 0
        phrase, lang = rnd.choice(OFFER_PHRASES if is_offer else NEED_PHRASES)
        label = competence.label_nl if lang == "nl" else competence.label_fr
        title = f"{phrase} {label.lower()}"[:140]
        description = rnd.choice(POST_TEXTS)
        created = now - timedelta(days=rnd.randint(0, 80), hours=rnd.randint(0, 23))
        common = {"title": title, "description": description, "language_mask": language_mask(org["languages"]),
                  "created_at": created, "updated_at": created, "warned_at": None, "closed_at": None,
                  "organisation_id": org["id"], "competence_id": competence.id, "status": "open"}
        labels = [*competence.labels.values(), *domains[competence.domain_id].labels.values()]
        if is_offer:
            offers.append({**common, "id": offer_id, "mode": rnd.choice(["on_site", "remote", "both"]),
                           "monthly_capacity_minutes": rnd.choice([2, 4, 6, 8, 10]) * 60, "conditions": "",
                           "standing": False,
                           "expires_at": created + timedelta(days=config["OFFER_LIFETIME_DAYS"])})
            documents.append({"kind": "offer", "ref_id": offer_id,
                              "terms": index_terms(title, description, *labels, org["name"])})
            offer_id += 1
        else:
            needs.append({**common, "id": need_id, "urgency": "urgent" if rnd.random() < 0.15 else "normal",
                          "estimated_minutes": rnd.choice([2, 3, 4, 6, 8, 12, 20]) * 60,
                          "wished_by": (created + timedelta(days=rnd.randint(20, 120))).date(),
                          "expires_at": created + timedelta(days=config["NEED_LIFETIME_DAYS"])})
            documents.append({"kind": "need", "ref_id": need_id,
                              "terms": index_terms(title, description, *labels, org["name"])})
            need_id += 1
    writer.write(Offer.__table__, offers)
    writer.write(Need.__table__, needs)
    _write_documents(writer, documents)
    return len(offers), len(needs)


# --- the ledger ----------------------------------------------------------------------------


class _AccountState:
    __slots__ = ("id", "balance", "count", "last_hash", "floor", "stage", "org_id")

    def __init__(self, id, balance, count, last_hash, floor, stage=None, org_id=None):
        self.id, self.balance, self.count, self.last_hash = id, balance, count, last_hash
        self.floor, self.stage, self.org_id = floor, stage, org_id


def _ledger(writer: _Writer, scale: Scale, rnd: random.Random, now: datetime, coordinator_id: int) -> tuple[int, int]:
    config = current_app.config
    fund = ledger.fund_account(AccountKind.SOLIDARITY)
    network = ledger.fund_account(AccountKind.NETWORK)
    db.session.flush()
    floors = {stage: _stage_floor(stage) for stage in Stage}
    approved = db.session.execute(sa.select(Organisation.id, Organisation.stage)
                                  .where(Organisation.status == "approved")).all()
    existing = {row.organisation_id: row for row in db.session.execute(
        sa.select(Account.id, Account.organisation_id, Account.balance_minutes, Account.entry_count,
                  Account.last_hash, Account.floor_minutes).where(Account.organisation_id.is_not(None)))}
    account_id = writer.next_id(Account.__table__)
    new_accounts, states = [], []
    for org_id, stage in approved:
        if org_id in existing:
            row = existing[org_id]
            states.append(_AccountState(row.id, row.balance_minutes, row.entry_count, row.last_hash,
                                        row.floor_minutes, stage, org_id))
            continue
        new_accounts.append({"id": account_id, "kind": "organisation", "organisation_id": org_id,
                             "balance_minutes": 0, "entry_count": 0, "last_hash": "", "floor_minutes": floors[stage],
                             "created_at": now})
        states.append(_AccountState(account_id, 0, 0, "", floors[stage], stage, org_id))
        account_id += 1
    writer.write(Account.__table__, new_accounts)
    fund_state = _AccountState(fund.id, fund.balance_minutes, fund.entry_count, fund.last_hash, fund.floor_minutes)
    network_state = _AccountState(network.id, network.balance_minutes, network.entry_count, network.last_hash, None)
    competences = list(db.session.scalars(sa.select(Competence.id)))
    memos = [f"{phrase} {word}" for phrase, _ in NEED_PHRASES for word in ("statuts", "site web", "comptabilité",
                                                                           "traduction", "vorming", "affiches")]

    postgresql = writer.postgresql
    if postgresql and writer.connection.scalar(sa.text("SELECT current_setting('is_superuser')")) == "on":
        # The deferred "transaction sums to zero" trigger would run one query per entry at
        # commit; every transaction written here sums to zero by construction, and
        # `ledger verify` checks it afterwards.
        writer.connection.execute(sa.text("SET LOCAL session_replication_role = replica"))

    tx_id = writer.next_id(LedgerTransaction.__table__)
    entry_id = writer.next_id(Entry.__table__)
    allowance = config["SOLIDARITY_ALLOWANCE_MINUTES"]
    used: dict[tuple[int, int], int] = {}
    start = now - timedelta(days=365 * scale.years)
    span = (now - timedelta(hours=1) - start).total_seconds()
    expected_tx = max(1, int(scale.entries / 2.05))
    txs, entries = [], []
    written_tx = written_entries = 0
    grant_every = max(50, expected_tx // (12 * scale.years))  # about monthly
    n = 0

    def append(kind, legs, *, moment, occurred, provider_id=None, recipient_id=None, competence_id=None,
               memo="", reason="", author_id=None):
        nonlocal tx_id, entry_id
        minutes = sum(a for _, a in legs if a > 0)
        tx = {"id": tx_id, "kind": kind.value, "created_at": moment, "occurred_on": occurred,
              "author_id": author_id, "provider_id": provider_id, "recipient_id": recipient_id,
              "competence_id": competence_id, "minutes": minutes, "memo": memo, "reason": reason,
              "idempotency_key": f"scale:{tx_id}", "reverses_id": None}
        txs.append(tx)
        fields = {**tx, "created_at": _iso(moment), "occurred_on": _iso(occurred)}
        for state, amount in sorted(legs, key=lambda leg: leg[0].id):
            balance, seq = state.balance + amount, state.count + 1
            digest = ledger.entry_hash(state.last_hash, {"account_id": state.id, "amount": amount,
                                                         "balance_after": balance, "seq": seq}, fields)
            entries.append({"id": entry_id, "transaction_id": tx_id, "account_id": state.id,
                            "amount_minutes": amount, "balance_after": balance, "seq": seq,
                            "prev_hash": state.last_hash, "hash": digest})
            state.balance, state.count, state.last_hash = balance, seq, digest
            entry_id += 1
        tx_id += 1

    def flush():
        nonlocal written_tx, written_entries, txs, entries
        writer.write(LedgerTransaction.__table__, txs)
        writer.write(Entry.__table__, entries)
        written_tx += len(txs)
        written_entries += len(entries)
        txs, entries = [], []

    while written_entries + len(entries) < scale.entries:
        moment = start + timedelta(seconds=int(span * min(n, expected_tx) / expected_tx))
        n += 1
        if n % grant_every == 1 or fund_state.balance < 600:
            append(TransactionKind.GRANT, [(network_state, -100 * 60), (fund_state, 100 * 60)], moment=moment,
                   occurred=moment, author_id=coordinator_id, reason="Dotation du fonds de solidarité")
            continue
        if rnd.random() < 0.02:
            donor = rnd.choice(states)
            if donor.balance - 60 >= max(0, donor.floor):
                append(TransactionKind.DONATION, [(donor, -60), (fund_state, 60)], moment=moment, occurred=moment,
                       provider_id=donor.org_id, memo="Don au fonds")
                continue
        minutes = rnd.choice((60, 90, 120, 150, 180, 240))
        for _attempt in range(10):
            provider, recipient = rnd.sample(states, 2)
            fund_share = 0
            if recipient.stage is Stage.EMERGING:
                year = moment.astimezone(ledger.BRUSSELS).year  # as `allowance_used` counts
                left = allowance - used.get((recipient.id, year), 0)
                fund_share = max(0, min(minutes, left, fund_state.balance))
            pays = minutes - fund_share
            if pays and recipient.balance - pays < recipient.floor:
                continue
            legs = [(provider, minutes)]
            if fund_share:
                legs.append((fund_state, -fund_share))
                used[(recipient.id, year)] = used.get((recipient.id, year), 0) + fund_share
            if pays:
                legs.append((recipient, -pays))
            occurred = moment - timedelta(days=rnd.randint(1, 14))
            append(TransactionKind.EXCHANGE, legs, moment=moment, occurred=occurred, provider_id=provider.org_id,
                   recipient_id=recipient.org_id, competence_id=rnd.choice(competences), memo=rnd.choice(memos))
            break
        if len(txs) >= CHUNK:
            flush()
    flush()

    updates = [{"b_id": s.id, "b_balance": s.balance, "b_count": s.count, "b_hash": s.last_hash}
               for s in (*states, fund_state, network_state)]
    table = Account.__table__
    writer.connection.execute(
        sa.update(table).where(table.c.id == sa.bindparam("b_id"))
        .values(balance_minutes=sa.bindparam("b_balance"), entry_count=sa.bindparam("b_count"),
                last_hash=sa.bindparam("b_hash")), updates)
    return written_tx, written_entries


def _stage_floor(stage: Stage) -> int:
    """The floor a new account of this stage gets (as `ledger.effective_floor` without an own rule)."""
    rule = db.session.scalar(sa.select(FloorRule.floor_minutes).where(FloorRule.stage == stage)
                             .order_by(FloorRule.id.desc()).limit(1))
    return rule if rule is not None else ledger.default_floor(stage)
