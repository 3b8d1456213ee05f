"""The permission matrix: every route × every kind of visitor, as one table.

The tables below are the specification. Each row is one request (method, URL, form data)
and the outcome each actor must get:

    anonymous    nobody logged in
    other        the admin of ANOTHER approved organisation (an admin, so that a role
                 check that forgets to compare organisations shows up)
    member       a plain member of the target organisation
    admin        an admin of the target organisation
    coordinator  a network coordinator who belongs to no organisation

The target organisation `{org}` is approved, has accepted the current charter, has an
admin, a member and one open invitation. A second table covers the admins of
organisations that may not act (pending, suspended, rejected, or approved but behind on
the charter) on their own organisation's pages.

Outcomes: a status code (200, 400, 403, 404, 409), `LOGIN` (302 to the login page) or
`Redirect(path)` (302 to that path: a POST that succeeded). A refused request (4xx or
LOGIN) must leave the audit log untouched. A cell wrapped in `Bug(expected, reason)`
states the right rule while the application still breaks it: it runs as a strict xfail.

Every test gets a fresh database (the autouse `_clean` fixture), so a row whose POST
succeeds (approve, remove, ...) does not leak into the next case.
"""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from sem.catalogue.models import Competence, Domain, Term, TermKind
from sem.core.db import utcnow
from sem.extensions import db
from sem.market import services as market
from sem.market.models import Need, Offer, PostStatus
from sem.members import services as members
from sem.members.models import AuditEvent, Invitation, Organisation, OrgStatus, Person, Role
from tests.conftest import PASSWORD, login, post

# --- outcomes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redirect:
    """A 302 to `path` (a template filled from the world, e.g. "/organisations/{org}")."""

    path: str

    def __repr__(self) -> str:
        return f"→{self.path}"


@dataclass(frozen=True)
class Bug:
    """The rule is `expected`; the application does something else today (strict xfail)."""

    expected: object
    reason: str


LOGIN = Redirect("/login")
HOME = Redirect("/")
MY_ORGANISATION = Redirect("/organisation")
MY_SPACE = Redirect("/home")
ORG_PAGE = Redirect("/organisations/{org}")
PEOPLE = Redirect("/organisations/{org}/people")
OTHER_PEOPLE = Redirect("/organisations/{other_org}/people")
ACCOUNT = Redirect("/account")
APPLICATIONS = Redirect("/coordination/applications")
SECTORS = Redirect("/coordination/vocabularies/sector")

ACTORS = ("anonymous", "other", "member", "admin", "coordinator")
LIMBO_ACTORS = ("pending_admin", "suspended_admin", "rejected_admin", "stale_charter_admin")


def everyone(outcome) -> tuple:
    return (outcome,) * len(ACTORS)


def logged_in(outcome) -> tuple:
    """Anonymous visitors are sent to log in; everyone else gets `outcome`."""
    return (LOGIN, *(outcome,) * (len(ACTORS) - 1))


def coordinators_only(outcome) -> tuple:
    return (LOGIN, 403, 403, 403, outcome)


# --- form data --------------------------------------------------------------------------------

NEW_PASSWORD = "another-long-password"
PROFILE = {"name": "Renamed organisation", "legal_form": "asbl", "commune": "ixelles",
           "contact_email": "contact@example.org", "languages": ["fr", "nl"], "description": "We help."}
APPLICATION = {**PROFILE, "name": "Brand new applicant", "stage": "emerging", "person_name": "Ana",
               "email": "applicant@example.org", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
               "accept_charter": "y"}
JOIN = {"name": "New colleague", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
NEW_PASSWORD_FORM = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
CHANGE_PASSWORD = {"pw-current_password": PASSWORD, "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD}
ACCOUNT_FORM = {"name": "Renamed", "locale": "nl"}
INVITE = {"email": "new-colleague@example.org", "role": "member"}
REASON = {"reason": "Decided at the coordinators' meeting."}
TERM = {"label_fr": "Jardinage", "label_nl": "Tuinieren", "label_en": "Gardening"}
# offers and needs
OFFER = {"competence_id": "{competence}", "title": "Aide informatique", "languages": ["fr"], "mode": "both",
         "monthly_capacity": "4"}
NEED = {"competence_id": "{competence}", "title": "Besoin d'un site", "languages": ["fr"], "urgency": "normal",
        "estimated_hours": "3,5"}
OFFER_PAGE = Redirect("/offers/{offer}")
NEED_PAGE = Redirect("/needs/{need}")
# competence catalogue
COMPETENCES = Redirect("/coordination/competences/")
CATALOGUE_ENTRY = {**TERM, "description_fr": "Potagers", "description_nl": "Moestuinen", "description_en": "Plots"}


# --- the matrix -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    method: str
    url: str
    outcomes: tuple
    data: dict | None = None


def rule(method, url, anonymous, other, member, admin, coordinator, data=None) -> Rule:
    return Rule(method, url, (anonymous, other, member, admin, coordinator), data)


MISSING = 999999

MATRIX = [
    #    method  url                                         anonymous other  member admin  coordinator
    # public pages
    rule("GET",  "/",                                        *everyone(200)),
    rule("POST", "/language",                                *everyone(Redirect("/charter")),
         data={"locale": "nl", "next": "/charter"}),
    rule("GET",  "/healthz",                                 *everyone(200)),
    rule("GET",  "/charter",                                 *everyone(200)),
    # applying, logging in and out
    rule("GET",  "/apply",                                   200, *(MY_ORGANISATION,) * 4),
    rule("POST", "/apply",                                   Redirect("/application"), *(MY_ORGANISATION,) * 4,
         data=APPLICATION),
    rule("GET",  "/application",                             LOGIN, 200, 200, 200, 404),
    rule("GET",  "/login",                                   200, *(HOME,) * 4),
    rule("POST", "/login",                                   MY_SPACE, *(HOME,) * 4,
         data={"email": "{member_email}", "password": PASSWORD}),
    rule("POST", "/logout",                                  *everyone(HOME)),
    # forgotten passwords and invitations: the token is the permission
    rule("GET",  "/password/forgot",                         *everyone(200)),
    rule("POST", "/password/forgot",                         *everyone(Redirect("/login")),
         data={"email": "{member_email}"}),
    rule("GET",  "/password/reset/not-a-token",              *everyone(400)),
    rule("POST", "/password/reset/not-a-token",              *everyone(400), data=NEW_PASSWORD_FORM),
    rule("GET",  "/password/reset/{reset_token}",            *everyone(200)),
    rule("POST", "/password/reset/{reset_token}",            *everyone(Redirect("/login")), data=NEW_PASSWORD_FORM),
    rule("GET",  "/invitation/not-a-token",                  *everyone(400)),
    rule("POST", "/invitation/not-a-token",                  *everyone(400), data=JOIN),
    rule("GET",  "/invitation/{invitation_token}",           *everyone(200)),
    rule("POST", "/invitation/{invitation_token}",           *everyone(MY_ORGANISATION), data=JOIN),
    # my account
    rule("GET",  "/account",                                 *logged_in(200)),
    rule("POST", "/account",                                 *logged_in(ACCOUNT), data=ACCOUNT_FORM),
    rule("POST", "/account/password",                        *logged_in(ACCOUNT), data=CHANGE_PASSWORD),
    # organisations
    rule("GET",  "/organisation",                            LOGIN, Redirect("/organisations/{other_org}"),
         ORG_PAGE, ORG_PAGE, APPLICATIONS),
    rule("GET",  "/organisations/{org}",                     *everyone(200)),
    # Only approved members are public; the profile page is not login_required, so anonymous visitors get 403.
    rule("GET",  "/organisations/{pending_org}",             403, 403, 403, 403, 200),
    rule("GET",  "/organisations/{suspended_org}",           403, 403, 403, 403, 200),
    rule("GET",  f"/organisations/{MISSING}",                *everyone(404)),
    rule("GET",  "/organisations/{org}/edit",                LOGIN, 403, 403, 200, 200),
    rule("POST", "/organisations/{org}/edit",                LOGIN, 403, 403, ORG_PAGE, ORG_PAGE, data=PROFILE),
    rule("GET",  f"/organisations/{MISSING}/edit",           *logged_in(404)),
    rule("GET",  "/organisations/{org}/people",              LOGIN, 403, 200, 200, 200),
    rule("GET",  f"/organisations/{MISSING}/people",         *logged_in(404)),
    # people and invitations
    rule("POST", "/organisations/{org}/invitations",         LOGIN, 403, 403, PEOPLE, PEOPLE, data=INVITE),
    rule("POST", "/organisations/{other_org}/invitations",   LOGIN, OTHER_PEOPLE, 403, 403, OTHER_PEOPLE, data=INVITE),
    rule("POST", "/invitations/{invitation}/revoke",         LOGIN, 403, 403, PEOPLE, PEOPLE),
    rule("POST", f"/invitations/{MISSING}/revoke",           *logged_in(404)),
    rule("POST", "/people/{member}/role",                    LOGIN, 403, 403, PEOPLE, PEOPLE, data={"role": "admin"}),
    # Nobody changes their own role; the coordinator may try, the last-admin rule refuses it.
    rule("POST", "/people/{admin}/role",                     LOGIN, 403, 403, 403, PEOPLE, data={"role": "member"}),
    rule("POST", "/people/{coordinator}/role",               LOGIN, 403, 403, 403, 403, data={"role": "admin"}),
    rule("POST", f"/people/{MISSING}/role",                  *logged_in(404), data={"role": "admin"}),
    rule("POST", "/people/{member}/remove",                  LOGIN, 403, 403, PEOPLE, PEOPLE),
    rule("POST", "/people/{admin}/remove",                   LOGIN, 403, 403, 403, PEOPLE),
    rule("POST", "/people/{coordinator}/remove",             LOGIN, 403, 403, 403, 403),
    # The charter is accepted by an admin, for their own organisation.
    rule("POST", "/charter/accept",                          LOGIN, Redirect("/organisations/{other_org}"), 403,
         ORG_PAGE, 404),
    # coordination
    rule("GET",  "/coordination/",                           *coordinators_only(APPLICATIONS)),
    rule("GET",  "/coordination/applications",               *coordinators_only(200)),
    rule("GET",  "/coordination/organisations",              *coordinators_only(200)),
    rule("GET",  "/coordination/organisations/{org}",        *coordinators_only(200)),
    rule("GET",  f"/coordination/organisations/{MISSING}",   *coordinators_only(404)),
    rule("POST", "/coordination/organisations/{pending_org}/approve", *coordinators_only(APPLICATIONS),
         data={"stage": "emerging"}),
    rule("POST", "/coordination/organisations/{org}/approve",  # already a member: a conflict
         *coordinators_only(409), data={"stage": "emerging"}),
    rule("POST", "/coordination/organisations/{pending_org}/reject",
         *coordinators_only(Redirect("/coordination/organisations/{pending_org}")), data=REASON),
    rule("POST", "/coordination/organisations/{org}/suspend",
         *coordinators_only(Redirect("/coordination/organisations/{org}")), data=REASON),
    rule("POST", "/coordination/organisations/{suspended_org}/reinstate",
         *coordinators_only(Redirect("/coordination/organisations/{suspended_org}")), data=REASON),
    rule("POST", "/coordination/organisations/{org}/stage",
         *coordinators_only(Redirect("/coordination/organisations/{org}")), data={**REASON, "stage": "emerging"}),
    rule("GET",  "/coordination/charter",                    *coordinators_only(200)),
    rule("POST", "/coordination/charter",                    *coordinators_only(Redirect("/coordination/charter")),
         data={"text_fr": "Charte v3", "text_nl": "Charter v3"}),
    rule("GET",  "/coordination/audit",                      *coordinators_only(200)),
    rule("GET",  "/coordination/jobs",                       *coordinators_only(200)),
    # vocabularies
    rule("GET",  "/coordination/vocabularies/",              *coordinators_only(SECTORS)),
    rule("GET",  "/coordination/vocabularies/sector",        *coordinators_only(200)),
    rule("GET",  "/coordination/vocabularies/nonsense",      *coordinators_only(404)),
    rule("POST", "/coordination/vocabularies/sector",        *coordinators_only(SECTORS), data=TERM),
    rule("GET",  "/coordination/vocabularies/terms/{term}",  *coordinators_only(200)),
    rule("GET",  f"/coordination/vocabularies/terms/{MISSING}", *coordinators_only(404)),
    rule("POST", "/coordination/vocabularies/terms/{term}",  *coordinators_only(SECTORS), data=TERM),
    rule("POST", "/coordination/vocabularies/terms/{term}/retire",  *coordinators_only(SECTORS)),
    rule("POST", "/coordination/vocabularies/terms/{term}/restore", *coordinators_only(SECTORS)),
    # competence catalogue (domain → competence)
    rule("GET",  "/coordination/competences/",               *coordinators_only(200)),
    rule("POST", "/coordination/competences/",               *coordinators_only(COMPETENCES), data=CATALOGUE_ENTRY),
    rule("GET",  "/coordination/competences/domains/{domain}", *coordinators_only(200)),
    rule("GET",  f"/coordination/competences/domains/{MISSING}", *coordinators_only(404)),
    rule("POST", "/coordination/competences/domains/{domain}", *coordinators_only(COMPETENCES), data=CATALOGUE_ENTRY),
    rule("POST", "/coordination/competences/domains/{domain}/retire",  *coordinators_only(COMPETENCES)),
    rule("POST", "/coordination/competences/domains/{domain}/restore", *coordinators_only(COMPETENCES)),
    rule("GET",  "/coordination/competences/domains/{domain}/new", *coordinators_only(200)),
    rule("POST", "/coordination/competences/domains/{domain}/new", *coordinators_only(COMPETENCES),
         data=CATALOGUE_ENTRY),
    rule("GET",  "/coordination/competences/{competence}",   *coordinators_only(200)),
    rule("GET",  f"/coordination/competences/{MISSING}",     *coordinators_only(404)),
    rule("POST", "/coordination/competences/{competence}",   *coordinators_only(COMPETENCES),
         data={**CATALOGUE_ENTRY, "domain_id": "{domain}"}),
    rule("POST", "/coordination/competences/{competence}/retire",  *coordinators_only(COMPETENCES)),
    rule("POST", "/coordination/competences/{competence}/restore", *coordinators_only(COMPETENCES)),
    rule("GET",  "/coordination/competences/{competence}/merge", *coordinators_only(200)),
    rule("GET",  f"/coordination/competences/{MISSING}/merge", *coordinators_only(404)),
    rule("POST", "/coordination/competences/{competence}/merge", *coordinators_only(COMPETENCES),
         data={"target_id": "{other_competence}", "reason": "Duplicates"}),
    # offers and needs: open ones are public; the owner organisation (or a coordinator) changes them
    rule("GET",  "/directory",                               *everyone(200)),
    rule("GET",  "/home",                                    LOGIN, 200, 200, 200, APPLICATIONS),
    rule("GET",  "/offers/new",                              LOGIN, 200, 200, 200, 403),
    rule("POST", "/offers/new",                              LOGIN, *(Redirect("/offers/{next_offer}"),) * 3, 403,
         data=OFFER),
    rule("GET",  "/needs/new",                               LOGIN, 200, 200, 200, 403),
    rule("POST", "/needs/new",                               LOGIN, *(Redirect("/needs/{next_need}"),) * 3, 403,
         data=NEED),
    rule("GET",  "/offers/{offer}",                          *everyone(200)),
    rule("GET",  "/needs/{need}",                            *everyone(200)),
    rule("GET",  "/offers/{paused_offer}",                   403, 403, 200, 200, 200),
    rule("GET",  f"/offers/{MISSING}",                       *everyone(404)),
    rule("GET",  f"/needs/{MISSING}",                        *everyone(404)),
    rule("GET",  "/offers/{offer}/edit",                     LOGIN, 403, 200, 200, 200),
    rule("POST", "/offers/{offer}/edit",                     LOGIN, 403, *(OFFER_PAGE,) * 3, data=OFFER),
    rule("GET",  "/needs/{need}/edit",                       LOGIN, 403, 200, 200, 200),
    rule("POST", "/needs/{need}/edit",                       LOGIN, 403, *(NEED_PAGE,) * 3, data=NEED),
    rule("GET",  f"/needs/{MISSING}/edit",                   *logged_in(404)),
    rule("POST", "/offers/{offer}/pause",                    LOGIN, 403, *(OFFER_PAGE,) * 3),
    rule("POST", "/offers/{paused_offer}/resume",            LOGIN, 403, *(Redirect("/offers/{paused_offer}"),) * 3),
    rule("POST", "/offers/{offer}/close",                    LOGIN, 403, *(OFFER_PAGE,) * 3),
    rule("POST", "/needs/{need}/renew",                      LOGIN, 403, *(NEED_PAGE,) * 3),
    rule("POST", f"/needs/{MISSING}/close",                  *logged_in(404)),
    # the renewal link in the expiry mail: the signed token is the permission
    rule("GET",  "/renew/{renew_token}",                     *everyone(200)),
    rule("POST", "/renew/{renew_token}",                     *everyone(NEED_PAGE)),
    rule("GET",  "/renew/not-a-token",                       *everyone(400)),
]

# --- the open-data JSON API (sem/api): public and read-only, the same for everyone ---------------
# Only approved organisations and their open posts exist there: anything else is a 404.
API_MATRIX = [
    rule("GET",  "/api/v1/competences",                      *everyone(200)),
    rule("GET",  "/api/v1/vocabularies",                     *everyone(200)),
    rule("GET",  "/api/v1/organisations",                    *everyone(200)),
    rule("GET",  "/api/v1/organisations/{org}",              *everyone(200)),
    rule("GET",  "/api/v1/organisations/{pending_org}",      *everyone(404)),
    rule("GET",  "/api/v1/organisations/{suspended_org}",    *everyone(404)),
    rule("GET",  f"/api/v1/organisations/{MISSING}",         *everyone(404)),
    rule("GET",  "/api/v1/offers",                           *everyone(200)),
    rule("GET",  "/api/v1/offers/{offer}",                   *everyone(200)),
    rule("GET",  "/api/v1/offers/{paused_offer}",            *everyone(404)),
    rule("GET",  f"/api/v1/offers/{MISSING}",                *everyone(404)),
    rule("GET",  "/api/v1/needs",                            *everyone(200)),
    rule("GET",  "/api/v1/needs/{need}",                     *everyone(200)),
    rule("GET",  f"/api/v1/needs/{MISSING}",                 *everyone(404)),
    rule("GET",  "/api/v1/openapi.json",                     *everyone(200)),
]
MATRIX += API_MATRIX

# --- proposals, exchanges and disputes (sem/exchanges) -------------------------------------------
# The world (exchange_world below): {proposal} was proposed by the other organisation ("I can
# help") and waits for the target organisation's answer; in {exchange} the target organisation
# gives and the other organisation receives, with {declaration} waiting for confirmation and
# {dispute} contesting another declaration; {foreign_exchange} is between the other
# organisation and a third one.
EXCHANGE_PAGE = Redirect("/exchanges/{exchange}")
PROPOSAL_PAGE = Redirect("/proposals/{proposal}")
NEW_PROPOSAL = Redirect("/proposals/{next_proposal}")
YESTERDAY = (utcnow() - timedelta(days=1)).date().isoformat()
STATEMENT = {"statement": "Nous n'avons reçu qu'une heure d'aide."}
EXCHANGE_MATRIX = [
    rule("POST", "/needs/{other_need}/help",                 LOGIN, 403, NEW_PROPOSAL, NEW_PROPOSAL, 403,
         data={"offer_id": "{offer}", "message": "Nous pouvons aider."}),
    rule("POST", "/needs/{need}/help",                       LOGIN, 409, 403, 403, 403,  # other: already proposed
         data={"offer_id": "{proposing_offer}"}),
    rule("POST", f"/needs/{MISSING}/help",                   *logged_in(404), data={"offer_id": "{offer}"}),
    rule("POST", "/offers/{other_offer}/ask",                LOGIN, 403, NEW_PROPOSAL, NEW_PROPOSAL, 403,
         data={"need_id": "{need}"}),
    rule("GET",  "/proposals/{proposal}",                    LOGIN, 200, 200, 200, 200),
    rule("GET",  "/proposals/{foreign_proposal}",            LOGIN, 200, 403, 403, 200),
    rule("GET",  f"/proposals/{MISSING}",                    *logged_in(404)),
    rule("POST", "/proposals/{proposal}/accept",             LOGIN, 403, *(Redirect("/exchanges/{next_exchange}"),) * 2,
         403),
    rule("POST", "/proposals/{proposal}/decline",            LOGIN, 403, PROPOSAL_PAGE, PROPOSAL_PAGE, 403,
         data={"reason": "Plus besoin."}),
    rule("POST", "/proposals/{proposal}/withdraw",           LOGIN, PROPOSAL_PAGE, 403, 403, 403),
    rule("GET",  "/exchanges",                               LOGIN, 200, 200, 200, Redirect("/coordination/disputes")),
    rule("GET",  "/exchanges/{exchange}",                    LOGIN, 200, 200, 200, 200),
    rule("GET",  "/exchanges/{foreign_exchange}",            LOGIN, 200, 403, 403, 200),
    rule("GET",  f"/exchanges/{MISSING}",                    *logged_in(404)),
    rule("POST", "/exchanges/{exchange}/declarations",       LOGIN, 403, EXCHANGE_PAGE, EXCHANGE_PAGE, 403,
         data={"worked_on": YESTERDAY, "hours": "1,5", "note": "Installation"}),
    rule("POST", "/declarations/{declaration}/confirm",      LOGIN, EXCHANGE_PAGE, 403, 403, 403),
    rule("POST", f"/declarations/{MISSING}/confirm",         *logged_in(404)),
    rule("POST", "/declarations/{declaration}/contest",      LOGIN, EXCHANGE_PAGE, 403, 403, 403, data=STATEMENT),
    rule("POST", "/disputes/{dispute}/statement",            LOGIN, 403, EXCHANGE_PAGE, EXCHANGE_PAGE, 403,
         data={"statement": "Deux heures et demie, comme convenu."}),
    rule("POST", "/exchanges/{exchange}/close",              LOGIN, *(EXCHANGE_PAGE,) * 3, 403),
    rule("POST", "/exchanges/{exchange}/feedback",           LOGIN, *(EXCHANGE_PAGE,) * 3, 403,
         data={"text": "Merci !"}),
    rule("GET",  "/coordination/disputes",                   *coordinators_only(200)),
    rule("GET",  "/coordination/disputes/{dispute}",         *coordinators_only(200)),
    rule("GET",  f"/coordination/disputes/{MISSING}",        *coordinators_only(404)),
    rule("POST", "/coordination/disputes/{dispute}/resolve", *coordinators_only(Redirect("/coordination/disputes")),
         data={"resolution": "adjusted", "hours": "0,75", "reason": "Vu les deux parties."}),
]
MATRIX += EXCHANGE_MATRIX


def exchange_world(app, make, world: dict) -> dict:
    """Proposals, an exchange with a waiting and a contested declaration, and an exchange
    between two other organisations (see EXCHANGE_MATRIX)."""
    from sem.exchanges.models import (
        DeclarationStatus,
        Dispute,
        Exchange,
        HourDeclaration,
        Proposal,
        ProposalOrigin,
        ProposalStatus,
    )

    third_org = make.org("Third organisation")
    now = utcnow()
    with app.app_context():
        def new(model, org, title, **extra):
            fields = {"monthly_capacity_minutes": 600} if model is Offer else {"estimated_minutes": 240}
            post = model(organisation_id=org, competence_id=world["competence"], title=title, languages=["fr"],
                         expires_at=now + timedelta(days=30), **fields, **extra)
            db.session.add(post)
            return post

        other_offer, other_need = new(Offer, world["other_org"], "Comptabilité"), new(Need, world["other_org"], "Wifi")
        proposing_offer = new(Offer, world["other_org"], "Dépannage")
        exchange_need = new(Need, world["other_org"], "Site web")
        third_offer = new(Offer, third_org, "Traduction")
        db.session.flush()
        proposal = Proposal(need_id=world["need"], offer_id=proposing_offer.id, origin=ProposalOrigin.PROVIDER,
                            provider_accepted_at=now, created_by_id=world["other"])
        exchanges = []
        for need, offer, provider, recipient in ((exchange_need, world["offer"], world["org"], world["other_org"]),
                                                 (other_need, third_offer.id, third_org, world["other_org"])):
            accepted = Proposal(need_id=need.id, offer_id=offer, origin=ProposalOrigin.PROVIDER,
                                status=ProposalStatus.ACCEPTED, provider_accepted_at=now, recipient_accepted_at=now)
            db.session.add(accepted)
            db.session.flush()
            exchanges.append(Exchange(proposal_id=accepted.id, need_id=need.id, offer_id=offer, provider_id=provider,
                                      recipient_id=recipient, competence_id=world["competence"], estimate_minutes=240))
        db.session.add_all([proposal, *exchanges])
        db.session.flush()
        waiting, contested = (HourDeclaration(exchange_id=exchanges[0].id, declared_by_id=world["admin"],
                                              worked_on=now.date(), minutes=60, status=status)
                              for status in (DeclarationStatus.DECLARED, DeclarationStatus.CONTESTED))
        db.session.add_all([waiting, contested])
        db.session.flush()
        dispute = Dispute(declaration_id=contested.id, opened_by_id=world["other"], recipient_statement="Trop.")
        db.session.add(dispute)
        db.session.commit()

        def next_id(model) -> int:
            return db.session.scalar(sa.select(sa.func.max(model.id))) + 1

        return {"other_offer": other_offer.id, "other_need": other_need.id, "proposing_offer": proposing_offer.id,
                "proposal": proposal.id, "foreign_proposal": exchanges[1].proposal_id, "exchange": exchanges[0].id,
                "foreign_exchange": exchanges[1].id, "declaration": waiting.id, "dispute": dispute.id,
                "next_proposal": next_id(Proposal), "next_exchange": next_id(Exchange),
                # the market rows' next ids move past the posts made here
                "next_offer": next_id(Offer), "next_need": next_id(Need)}


# --- the ledger (sem/ledger): open to every visitor; coordinators grant, set floors, correct -------
# The world (ledger_world below): {transaction} is a grant to the target organisation, and
# {correction} reverses another grant (a correction cannot itself be reversed).
LEDGER_ORG = Redirect("/ledger/organisations/{org}")
LEDGER_MATRIX = [
    rule("GET",  "/ledger",                                  *everyone(200)),
    rule("GET",  "/ledger.csv",                              *everyone(200)),
    rule("GET",  "/ledger/organisations/{org}",              *everyone(200)),
    rule("GET",  "/ledger/organisations/{suspended_org}",    *everyone(200)),  # its history stays open
    rule("GET",  "/ledger/organisations/{pending_org}",      403, 403, 403, 403, 200),
    rule("GET",  f"/ledger/organisations/{MISSING}",         *everyone(404)),
    rule("POST", "/ledger/organisations/{org}/donate",       LOGIN, 403, LEDGER_ORG, LEDGER_ORG, 403,
         data={"hours": "1", "memo": "Pour le fonds"}),
    rule("POST", f"/ledger/organisations/{MISSING}/donate",  *logged_in(404), data={"hours": "1"}),
    rule("GET",  "/coordination/balances",                   *coordinators_only(200)),
    rule("POST", "/coordination/balances/grant",             *coordinators_only(Redirect("/coordination/balances")),
         data={"organisations": ["{org}", "{other_org}"], "to_fund": "y", "hours": "2", **REASON}),
    rule("GET",  "/coordination/floors",                     *coordinators_only(200)),
    rule("POST", "/coordination/floors",                     *coordinators_only(Redirect("/coordination/floors")),
         data={"target": "stage:emerging", "floor": "-10", **REASON}),
    rule("GET",  "/coordination/transactions/{transaction}/reverse", *coordinators_only(200)),
    rule("GET",  f"/coordination/transactions/{MISSING}/reverse", *coordinators_only(404)),
    rule("POST", "/coordination/transactions/{transaction}/reverse", *coordinators_only(Redirect("/ledger")),
         data=REASON),
    rule("POST", "/coordination/transactions/{correction}/reverse", *coordinators_only(409), data=REASON),
    # a form post without a file: the check says which field is missing (tests/ledger/test_import.py uploads)
    rule("GET",  "/coordination/ledger/import",              *coordinators_only(200)),
    rule("POST", "/coordination/ledger/import",              *coordinators_only(400)),
    rule("POST", "/coordination/ledger/import/record",       *coordinators_only(400),
         data={"content": "", "expected": "1", **REASON}),
    rule("GET",  "/coordination/ledger/import/example.csv",  *coordinators_only(200)),
]
MATRIX += LEDGER_MATRIX

# --- mail (sem/mail): preferences, the signed unsubscribe link, the coordinators' outbox ---------
# The world (mail_world below): {unsubscribe_token} stops new-proposal mails for the member;
# {failed_mail} is a message the sender gave up on.
MAIL_PREFERENCES = Redirect("/account/mail")
OUTBOX_PAGE = Redirect("/coordination/mail")
MAIL_MATRIX = [
    rule("GET",  "/account/mail",                            *logged_in(200)),
    rule("POST", "/account/mail",                            *logged_in(MAIL_PREFERENCES),
         data={"digest": "never", "proposal_new": "digest"}),
    # the link in every mail: the signed token is the permission
    rule("GET",  "/mail/unsubscribe/{unsubscribe_token}",    *everyone(200)),
    rule("POST", "/mail/unsubscribe/{unsubscribe_token}",    *everyone(200)),
    rule("GET",  "/mail/unsubscribe/not-a-token",            *everyone(400)),
    rule("POST", "/mail/unsubscribe/not-a-token",            *everyone(400)),
    rule("GET",  "/coordination/mail",                       *coordinators_only(200)),
    rule("POST", "/coordination/mail/{failed_mail}/retry",   *coordinators_only(OUTBOX_PAGE)),
    rule("POST", f"/coordination/mail/{MISSING}/retry",      *coordinators_only(404)),
    rule("GET",  "/coordination/digest/{member}",            *coordinators_only(200)),
    rule("GET",  "/coordination/digest/{coordinator}",       *coordinators_only(404)),  # no organisation, no digest
    rule("GET",  "/coordination/digest/{member}/mail.html",  *coordinators_only(200)),
    rule("GET",  "/coordination/digest/{coordinator}/mail.html", *coordinators_only(404)),
    rule("GET",  f"/coordination/digest/{MISSING}",          *coordinators_only(404)),
]
MATRIX += MAIL_MATRIX


def mail_world(app, world: dict) -> dict:
    from sem.mail.models import MailStatus, OutboxMessage
    from sem.mail.services import unsubscribe_token

    with app.app_context():
        failed = OutboxMessage(recipient="gone@example.org", subject="s", text="t", status=MailStatus.FAILED,
                               attempts=12, last_error="550 no such user")
        db.session.add(failed)
        db.session.commit()
        return {"failed_mail": failed.id, "unsubscribe_token": unsubscribe_token(world["member"], "proposal_new")}


# --- reports (sem/reports): the impact dashboard and network graph for coordinators; an
# organisation's report for its own people and coordinators; every table as CSV and JSON.
OWN_AND_COORDINATORS = (LOGIN, 403, 200, 200, 200)
REPORTS_MATRIX = [
    rule("GET",  "/coordination/impact",                          *coordinators_only(200)),
    rule("GET",  "/coordination/impact/months.csv",               *coordinators_only(200)),
    rule("GET",  "/coordination/impact/needs.json",               *coordinators_only(200)),
    rule("GET",  "/coordination/impact/nothing.csv",              *coordinators_only(404)),
    rule("GET",  "/coordination/network",                         *coordinators_only(200)),
    rule("GET",  "/coordination/network/edges.csv",               *coordinators_only(200)),
    rule("GET",  "/coordination/network/edges.xml",               *coordinators_only(404)),
    rule("GET",  "/reports/organisations/{org}",                  *OWN_AND_COORDINATORS),
    rule("GET",  "/reports/organisations/{org}/partners.csv",     *OWN_AND_COORDINATORS),
    rule("GET",  "/reports/organisations/{org}/months.json",      *OWN_AND_COORDINATORS),
    rule("GET",  "/reports/organisations/{other_org}",            LOGIN, 200, 403, 403, 200),
    rule("GET",  "/reports/organisations/{pending_org}",          LOGIN, 403, 403, 403, 200),
    rule("GET",  f"/reports/organisations/{MISSING}",             *logged_in(404)),
    rule("GET",  "/reports/organisations/{org}/nothing.csv",      LOGIN, 403, 404, 404, 404),
]
MATRIX += REPORTS_MATRIX


def ledger_world(app, world: dict) -> dict:
    """A grant to the target organisation, and a grant already corrected (see LEDGER_MATRIX)."""
    from sem.ledger import services as ledger

    with app.test_request_context(base_url=app.config["BASE_URL"]):
        coordinator, org = db.session.get(Person, world["coordinator"]), db.session.get(Organisation, world["org"])
        transaction = ledger.grant([org], 120, actor=coordinator, reason="Bienvenue")[0]
        mistaken = ledger.grant([org], 60, actor=coordinator, reason="Erreur")[0]
        correction = ledger.reverse(mistaken, actor=coordinator, reason="Accordé deux fois")
        db.session.commit()
        return {"transaction": transaction.id, "correction": correction.id}


# --- matching (sem/matching): coordinators only -----------------------------------------------------
# The world (matching_world below): {run} is a recorded preview; {next_run} the id the next run gets.
# Matching {need} by hand with {other_offer} (another member's open offer of the same competence)
# makes the next proposal.
MATCHING = Redirect("/coordination/matching/")
NEXT_RUN = Redirect("/coordination/matching/runs/{next_run}")
MATCHING_SETTINGS = {**{f"weight_{part}": "2" for part in ("competence", "text", "urgency", "reciprocity", "publics",
                                                            "partnership", "proximity")},
                     "proposals_per_need": "2", **REASON}
MATCHING_MATRIX = [
    rule("GET",  "/coordination/matching/",                  *coordinators_only(200)),
    rule("GET",  "/coordination/matching/settings",          *coordinators_only(200)),
    rule("POST", "/coordination/matching/settings",          *coordinators_only(MATCHING), data=MATCHING_SETTINGS),
    rule("POST", "/coordination/matching/preview",           *coordinators_only(NEXT_RUN)),
    rule("POST", "/coordination/matching/run",               *coordinators_only(NEXT_RUN)),
    rule("GET",  "/coordination/matching/runs/{run}",        *coordinators_only(200)),
    rule("GET",  f"/coordination/matching/runs/{MISSING}",   *coordinators_only(404)),
    rule("GET",  "/coordination/matching/needs/{need}",      *coordinators_only(200)),
    rule("GET",  f"/coordination/matching/needs/{MISSING}",  *coordinators_only(404)),
    rule("POST", "/coordination/matching/needs/{need}",      *coordinators_only(NEW_PROPOSAL),
         data={"offer_id": "{other_offer}"}),
]
MATRIX += MATCHING_MATRIX


def matching_world(app) -> dict:
    from sem.matching.models import MatchRun

    with app.app_context():
        run = MatchRun(dry_run=True, trigger="coordinator")
        db.session.add(run)
        db.session.commit()
        return {"run": run.id, "next_run": run.id + 1}


# --- admins of organisations that may not act, on their own organisation ------------------------


@dataclass(frozen=True)
class LimboRule:
    method: str
    url: str
    outcomes: tuple
    data: dict | None = None


def limbo(method, url, pending, suspended, rejected, stale_charter, data=None) -> LimboRule:
    return LimboRule(method, url, (pending, suspended, rejected, stale_charter), data)


def all_four(outcome) -> tuple:
    return (outcome,) * len(LIMBO_ACTORS)


OWN_PAGE = Redirect("/organisations/{own}")

LIMBO = [
    #     method  url                                   pending suspended rejected stale charter
    # They log in and see their own organisation, its people and its application file ...
    limbo("GET",  "/application",                       *all_four(200)),
    limbo("GET",  "/organisation",                      *all_four(OWN_PAGE)),
    limbo("GET",  "/organisations/{own}",               *all_four(200)),
    limbo("GET",  "/organisations/{own}/people",        *all_four(200)),
    limbo("GET",  "/account",                           *all_four(200)),
    limbo("GET",  "/charter",                           *all_four(200)),
    # ... but nothing that acts for the organisation works until it may act again.
    limbo("GET",  "/organisations/{own}/edit",          *all_four(403)),
    limbo("POST", "/organisations/{own}/edit",          *all_four(403), data=PROFILE),
    limbo("POST", "/organisations/{own}/invitations",   *all_four(403), data=INVITE),
    limbo("POST", "/invitations/{own_invitation}/revoke", *all_four(403)),
    limbo("POST", "/people/{own_member}/role",          *all_four(403), data={"role": "admin"}),
    limbo("POST", "/people/{own_member}/remove",        *all_four(403)),
    # Only an approved organisation accepts a new charter version (that is how it catches up).
    limbo("POST", "/charter/accept",                    403, 403, 403, OWN_PAGE),
    limbo("GET",  "/coordination/applications",         *all_four(403)),
    limbo("GET",  "/home",                              *all_four(200)),
    limbo("GET",  "/offers/new",                        *all_four(403)),
    limbo("POST", "/needs/new",                         *all_four(403), data=NEED),
]
# The ledger is open: they read their own history, but give no hours while they may not act.
LIMBO += [
    limbo("GET",  "/ledger/organisations/{own}",        *all_four(200)),
    limbo("POST", "/ledger/organisations/{own}/donate", *all_four(403), data={"hours": "1"}),
    # Their own report stays readable: its history is theirs.
    limbo("GET",  "/reports/organisations/{own}",       *all_four(200)),
]


# --- the world every case starts from ------------------------------------------------------------


def build_world(app, make) -> dict:
    """Ids, emails and tokens the URL templates and form data refer to."""
    make.vocabularies()
    make.charter("Charte v1", "Charter v1")
    stale_org = make.org("Behind on the charter")  # accepted v1 only
    make.charter("Charte v2", "Charter v2")
    org = make.org("Target organisation")
    other_org = make.org("Another organisation")
    pending_org = make.org("Pending organisation", status=OrgStatus.PENDING)
    suspended_org = make.org("Suspended organisation", status=OrgStatus.SUSPENDED)
    rejected_org = make.org("Rejected organisation", status=OrgStatus.REJECTED)

    world = {
        "org": org, "other_org": other_org, "pending_org": pending_org, "suspended_org": suspended_org,
        "admin": make.admin_of(org), "member": make.person(org, role=Role.MEMBER),
        "other": make.admin_of(other_org), "coordinator": make.coordinator(),
    }
    limbo_orgs = {"pending_admin": pending_org, "suspended_admin": suspended_org,
                  "rejected_admin": rejected_org, "stale_charter_admin": stale_org}
    world["own"] = {}
    for actor, own in limbo_orgs.items():
        world[actor] = make.admin_of(own)
        world["own"][actor] = {"own": own, "own_member": make.person(own, role=Role.MEMBER)}

    with app.test_request_context(base_url=app.config["BASE_URL"]):
        invitations = {}
        for key, org_id in [("invitation", org), *((actor, own) for actor, own in limbo_orgs.items())]:
            inviter = make.admin_of(org_id)
            invitation = Invitation(organisation_id=org_id, email=f"invited-{org_id}@example.org",
                                    role=Role.MEMBER, invited_by_id=inviter)
            db.session.add(invitation)
            invitations[key] = invitation
        db.session.commit()
        world["invitation"] = invitations["invitation"].id
        world["invitation_token"] = members.invitation_token(invitations["invitation"])
        for actor in limbo_orgs:
            world["own"][actor]["own_invitation"] = invitations[actor].id
        member = db.session.get(Person, world["member"])
        world["member_email"] = member.email
        world["reset_token"] = members.reset_token(member)
        world["term"] = db.session.scalar(
            sa.select(Term.id).where(Term.kind == TermKind.SECTOR).order_by(Term.id).limit(1))
        # competence catalogue
        world["domain"] = db.session.scalar(sa.select(Domain.id).where(Domain.code == "it"))
        world["competence"], world["other_competence"] = (
            db.session.scalar(sa.select(Competence.id).where(Competence.code == code))
            for code in ("it-website", "it-hardware"))
        # offers and needs
        offer = Offer(organisation_id=org, competence_id=world["competence"], title="Réseau", languages=["fr"],
                      monthly_capacity_minutes=600, expires_at=utcnow() + timedelta(days=90))
        paused = Offer(organisation_id=org, competence_id=world["competence"], title="En pause", languages=["fr"],
                       monthly_capacity_minutes=600, expires_at=utcnow() + timedelta(days=90),
                       status=PostStatus.PAUSED)
        need = Need(organisation_id=org, competence_id=world["competence"], title="Site web", languages=["fr"],
                    estimated_minutes=240, expires_at=utcnow() + timedelta(days=30))
        db.session.add_all([offer, paused, need])
        db.session.commit()
        world.update(offer=offer.id, paused_offer=paused.id, need=need.id, next_offer=paused.id + 1,
                     next_need=need.id + 1, renew_token=market.renewal_token(need))
    world.update(exchange_world(app, make, world))
    world.update(ledger_world(app, world))
    world.update(matching_world(app))
    world.update(mail_world(app, world))
    return world


def fill(template, world: dict):
    if isinstance(template, str):
        return template.format_map(world)
    if isinstance(template, list):
        return [fill(item, world) for item in template]
    return template


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


def send(client, method: str, url: str, data, world: dict):
    if method == "GET":
        return client.get(url)
    return post(client, url, {key: fill(value, world) for key, value in (data or {}).items()})


def check(response, expected, world: dict) -> None:
    if isinstance(expected, Redirect):
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        location = response.headers["Location"]
        assert urlsplit(location).path == fill(expected.path, world), location
        if expected is LOGIN:
            assert "/login" in location
    else:
        assert response.status_code == expected, response.headers.get("Location") or response.status


def is_refusal(expected) -> bool:
    return expected is LOGIN or (isinstance(expected, int) and expected >= 400)


def run_case(app, client, world, actor_id, method, url_template, data, expected):
    if actor_id is not None:
        login(client, app, actor_id)
    before = audit_count(app)
    response = send(client, method, fill(url_template, world), data, world)
    check(response, expected, world)
    if is_refusal(expected):
        assert audit_count(app) == before, "a refused request changed something"


def _cases(table, actors):
    for row in table:
        for actor, expected in zip(actors, row.outcomes, strict=True):
            marks = []
            if isinstance(expected, Bug):
                marks = [pytest.mark.xfail(strict=True, reason=expected.reason)]
                expected = expected.expected
            yield pytest.param(row.method, row.url, row.data, actor, expected, marks=marks,
                               id=f"{row.method} {row.url} [{actor}]")


# --- the tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "url", "data", "actor", "expected"), list(_cases(MATRIX, ACTORS)))
def test_permission_matrix(app, client, make, method, url, data, actor, expected):
    world = build_world(app, make)
    actor_id = None if actor == "anonymous" else world[actor]
    run_case(app, client, world, actor_id, method, url, data, expected)


@pytest.mark.parametrize(("method", "url", "data", "actor", "expected"), list(_cases(LIMBO, LIMBO_ACTORS)))
def test_admins_of_organisations_that_may_not_act(app, client, make, method, url, data, actor, expected):
    world = build_world(app, make)
    run_case(app, client, {**world, **world["own"][actor]}, world[actor], method, url, data, expected)


def _endpoint(app, method: str, url_template: str) -> str:
    class Placeholders(dict):
        """Any id is 1, any token is "token": enough to find which route a template hits."""

        def __missing__(self, key):
            return "token" if key.endswith("token") else "1"

    placeholders = Placeholders()
    adapter = app.url_map.bind("sem.test")
    endpoint, _ = adapter.match(url_template.format_map(placeholders), method=method)
    return endpoint


def test_every_route_has_a_row_in_the_matrix(app):
    """A new route (or a new method on a route) fails here until its permissions are specified."""
    covered = {(_endpoint(app, row.method, row.url), row.method) for row in MATRIX}
    missing = sorted(
        (rule.endpoint, method, rule.rule)
        for rule in app.url_map.iter_rules() if rule.endpoint != "static"
        for method in sorted(rule.methods & {"GET", "POST", "PUT", "PATCH", "DELETE"})
        if (rule.endpoint, method) not in covered
    )
    assert not missing, f"routes without a permission row: {missing}"


def test_every_decision_of_a_coordinator_has_a_row(app):
    decisions = {row.url.rsplit("/", 1)[1] for row in MATRIX
                 if row.url.startswith("/coordination/organisations/{") and row.method == "POST"}
    assert decisions >= {"approve", "reject", "suspend", "reinstate", "stage"}


def test_pending_and_suspended_admins_can_log_in(app, client, make):
    world = build_world(app, make)
    assert urlsplit(login(client, app, world["pending_admin"]).headers["Location"]).path == "/application"
    other = app.test_client()
    assert urlsplit(login(other, app, world["suspended_admin"]).headers["Location"]).path == "/home"


def test_organisation_admin_cannot_take_coordination_away(app, client, make):
    """Removing a colleague who is also a network coordinator only detaches them."""
    org = make.org()
    colleague = make.person(org, role=Role.MEMBER, coordinator=True)
    login(client, app, make.admin_of(org))
    post(client, f"/people/{colleague}/remove")
    coordinator_client = app.test_client()
    login(coordinator_client, app, colleague)
    assert coordinator_client.get("/coordination/applications").status_code == 200
    with app.app_context():
        assert db.session.get(Person, colleague).organisation_id is None


def _post_rows():
    """One POST per route that changes state, as the actor for whom it would succeed."""
    for row in MATRIX:
        if row.method != "POST":
            continue
        for actor, expected in zip(ACTORS, row.outcomes, strict=True):
            if isinstance(expected, Redirect) and expected is not LOGIN:
                yield pytest.param(row.url, row.data, actor, id=f"POST {row.url} [{actor}]")
                break


@pytest.mark.parametrize(("url", "data", "actor"), list(_post_rows()))
def test_post_without_csrf_token_is_refused(app, client, make, url, data, actor):
    world = build_world(app, make)
    if actor != "anonymous":
        login(client, app, world[actor])
    before = audit_count(app)
    form = {key: fill(value, world) for key, value in (data or {}).items()}
    response = client.post(fill(url, world), data=form)
    assert response.status_code == 400
    assert audit_count(app) == before


def test_profile_edit_without_csrf_token_changes_nothing(app, client, make):
    world = build_world(app, make)
    login(client, app, world["admin"])
    response = client.post(f"/organisations/{world['org']}/edit", data=PROFILE)
    assert response.status_code == 400
    with app.app_context():
        org = db.session.get(Organisation, world["org"])
        assert org.name == "Target organisation"
        assert org.language_codes == ["fr"]
    # The same form with its token goes through: the 400 was the token, nothing else.
    assert post(client, f"/organisations/{world['org']}/edit", PROFILE).status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, world["org"]).name == "Renamed organisation"
