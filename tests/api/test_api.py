"""The open-data JSON API: public data only, the directory's results, strict parameters,
problem documents for every error, open to every site."""

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from sem.catalogue.models import Competence, Domain, Term
from sem.core.errors import TooManyAttempts
from sem.extensions import db
from sem.market import directory
from sem.market.models import Mode, Need
from tests.api.conftest import CONTACT, PERSON_EMAIL, ids_of

API = "/api/v1"


# --- what is public ------------------------------------------------------------------------------


def test_lists_show_open_posts_of_approved_organisations_only(client, network):
    offers = ids_of(client.get(f"{API}/offers"))
    assert sorted(offers) == sorted([network["research"], network["network"], network["software"]])
    needs = ids_of(client.get(f"{API}/needs"))
    assert needs == [network["website"], network["accounts"]]  # urgent first
    orgs = ids_of(client.get(f"{API}/organisations"))
    assert sorted(orgs) == sorted([network["doc"], network["buurthuis"], network["potager"]])


@pytest.mark.parametrize(("path", "key", "status"), [
    ("offers", "research", 200),
    ("offers", "paused", 404),
    ("offers", "suspended_offer", 404),
    ("offers", "pending_offer", 404),
    ("needs", "website", 200),
    ("needs", "closed_need", 404),
    ("needs", "suspended_need", 404),
    ("organisations", "buurthuis", 200),
    ("organisations", "suspended", 404),
    ("organisations", "pending", 404),
])
def test_single_items_are_public_only(client, network, path, key, status):
    response = client.get(f"{API}/{path}/{network[key]}")
    assert response.status_code == status
    if status == 404:
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 404
    else:
        assert response.get_json()["id"] == network[key]


def test_missing_ids_are_404_problems(client, network):
    for path in ("offers", "needs", "organisations"):
        response = client.get(f"{API}/{path}/999999")
        assert response.status_code == 404
        assert response.get_json()["detail"].endswith("999999.")


def test_no_personal_data_in_any_response(client, network):
    urls = [f"{API}/{path}" for path in ("offers", "needs", "organisations", "competences", "vocabularies",
                                          "openapi.json")]
    urls += [f"{API}/organisations/{network[k]}" for k in ("doc", "buurthuis", "potager")]
    urls += [f"{API}/offers/{network['network']}", f"{API}/needs/{network['website']}"]
    for url in urls:
        text = client.get(url).get_data(as_text=True)
        for secret in (CONTACT, PERSON_EMAIL, "@example.org", "contact_email", "decision_reason", "Person ",
                       '"people"', "password"):
            assert secret not in text, (url, secret)


# --- fields --------------------------------------------------------------------------------------


def test_an_organisation_shows_its_public_profile(client, network):
    org = client.get(f"{API}/organisations/{network['buurthuis']}").get_json()
    assert org["name"] == "Digitaal Buurthuis Molenbeek"
    assert (org["legal_form"], org["stage"], org["commune"]) == ("asbl", "established", "molenbeek")
    assert org["languages"] == ["fr", "nl"]
    assert org["website"] == "https://buurthuis.example.be"
    assert [t["code"] for t in org["sectors"]] == ["digital"]
    assert [t["code"] for t in org["methods"]] == ["community-work"]
    assert org["publics"][0]["labels"] == {"fr": "Personnes âgées", "nl": "Ouderen", "en": "Older people"}
    assert date.fromisoformat(org["member_since"])
    assert org["links"]["self"] == f"http://localhost{API}/organisations/{network['buurthuis']}"
    # The links list the organisation's open posts.
    offers_link = org["links"]["offers"]
    assert offers_link == f"http://localhost{API}/offers?organisation={network['buurthuis']}"
    assert sorted(ids_of(client.get(offers_link))) == sorted([network["network"], network["software"]])


def test_an_offer_shows_hours_mode_and_times_in_utc(client, network):
    offer = client.get(f"{API}/offers/{network['network']}").get_json()
    assert offer["kind"] == "offer" and offer["mode"] == "on_site" and offer["standing"] is False
    assert offer["monthly_capacity_hours"] == 10
    assert offer["languages"] == ["nl"]
    assert offer["competence"]["code"] == "it-network" and offer["domain"]["code"] == "it"
    assert offer["competence"]["labels"]["nl"] == "Netwerk en wifi"
    assert offer["organisation"] == {"id": network["buurthuis"], "name": "Digitaal Buurthuis Molenbeek",
                                     "stage": "established", "commune": "molenbeek"}
    assert offer["created_at"].endswith("Z") and offer["expires_at"].endswith("Z")
    assert offer["created_at"] < offer["expires_at"]


def test_a_need_shows_urgency_estimate_and_wished_date(app, client, network):
    with app.app_context():
        db.session.get(Need, network["accounts"]).estimated_minutes = 90
        db.session.commit()
    need = client.get(f"{API}/needs/{network['accounts']}").get_json()
    assert need["kind"] == "need" and need["urgency"] == "normal"
    assert need["estimated_hours"] == 1.5
    assert need["wished_by"] == (date.today() + timedelta(days=30)).isoformat()
    assert client.get(f"{API}/needs/{network['website']}").get_json()["wished_by"] is None


def test_french_and_dutch_text_is_given_as_written(make, posts, client):
    org = make.org(name="Café « Ça bouge » — Één")
    title = "Hulp bij één café: « réseau » et Œuvres"
    offer = posts.offer(org, title=title, description="Ligne 1\nLijn 2 — geïnteresseerd?")
    response = client.get(f"{API}/offers/{offer}")
    raw = response.get_data()
    assert title.encode() in raw and "Café « Ça bouge » — Één".encode() in raw  # UTF-8, not \u escapes
    body = response.get_json()
    assert body["title"] == title
    assert body["description"] == "Ligne 1\nLijn 2 — geïnteresseerd?"


def test_competences_leave_out_retired_entries_unless_asked(app, client, posts):
    with app.app_context():
        old = db.session.scalar(sa.select(Competence).where(Competence.code == "it-hardware"))
        old.retired = True
        old.merged_into = db.session.scalar(sa.select(Competence).where(Competence.code == "it-network"))
        db.session.scalar(sa.select(Domain).where(Domain.code == "accounting")).retired = True
        db.session.commit()

    def codes(**args):
        data = client.get(f"{API}/competences", query_string=args).get_json()
        return {d["code"]: {c["code"]: c for c in d["competences"]} for d in data["domains"]}

    current = codes()
    assert "accounting" not in current and "it-hardware" not in current["it"] and "it-network" in current["it"]
    assert current["it"]["it-network"]["labels"] == {"fr": "Réseau et wifi", "nl": "Netwerk en wifi",
                                                     "en": "Network and wifi"}
    everything = codes(include_retired="true")
    assert "accounting" in everything
    hardware = everything["it"]["it-hardware"]
    assert hardware["retired"] is True and hardware["merged_into"]["code"] == "it-network"
    assert codes(include_retired="false") == current


def test_vocabularies_give_every_list_with_labels(app, client, posts):
    with app.app_context():
        db.session.scalar(sa.select(Term).where(Term.code == "sport")).retired = True
        db.session.commit()
    data = client.get(f"{API}/vocabularies").get_json()
    assert {"social-action", "digital"} <= {t["code"] for t in data["sectors"]}
    assert "sport" not in {t["code"] for t in data["sectors"]}
    assert {t["code"] for t in data["methods"]} >= {"community-work"}
    assert {t["code"] for t in data["publics"]} >= {"seniors"}
    communes = {c["code"]: c["labels"] for c in data["communes"]}
    assert communes["molenbeek"] == {"fr": "Molenbeek-Saint-Jean", "nl": "Sint-Jans-Molenbeek",
                                     "en": "Molenbeek-Saint-Jean"}
    assert {c["code"] for c in data["legal_forms"]} >= {"asbl", "cooperative"}
    assert [c["code"] for c in data["languages"]][:2] == ["fr", "nl"]
    assert [c["code"] for c in data["modes"]] == ["on_site", "remote", "both"]
    assert {c["code"] for c in data["stages"]} == {"established", "emerging"}
    assert {c["code"] for c in data["urgencies"]} == {"normal", "urgent"}
    assert all(set(c["labels"]) == {"fr", "nl", "en"} for c in data["modes"])
    retired = client.get(f"{API}/vocabularies?include_retired=true").get_json()
    assert next(t for t in retired["sectors"] if t["code"] == "sport")["retired"] is True


# --- the directory's results ---------------------------------------------------------------------

QUERIES = [
    ("offer", {"q": "réseau"}),
    ("offer", {"q": "netwerk"}),
    ("offer", {"q": "EDUCATION permanente"}),
    ("offer", {"language": "nl"}),
    ("offer", {"mode": "remote"}),
    ("offer", {"mode": "on_site", "commune": "molenbeek"}),
    ("offer", {"stage": "established", "language": "fr"}),
    ("need", {"urgency": "urgent"}),
    ("need", {"stage": "emerging"}),
    ("need", {"q": "potager"}),
    ("organisation", {"q": "buurthuis"}),
    ("organisation", {"language": "nl"}),
    ("organisation", {"commune": "saint-gilles"}),
    ("organisation", {}),
]


@pytest.mark.parametrize(("kind", "args"), QUERIES)
def test_lists_give_the_directory_results(app, client, network, kind, args):
    with app.test_request_context():
        expected = [item.id for item in directory.find(kind, directory.Filters.from_args(args), per_page=100).items]
    assert ids_of(client.get(f"{API}/{kind}s", query_string={**args, "per_page": 100})) == expected


def test_id_filters_match_the_directory(app, client, network, posts):
    with app.app_context():
        it_website = posts.competence("it-website")
        domain = db.session.get(Competence, it_website).domain_id
        digital = db.session.scalar(sa.select(Term.id).where(Term.code == "digital"))
    cases = [("offer", {"domain": domain}), ("need", {"competence": it_website}), ("offer", {"sector": digital}),
             ("organisation", {"domain": domain}), ("offer", {"organisation": network["buurthuis"]}),
             ("need", {"organisation": network["buurthuis"]}), ("offer", {"competence": 999999})]
    for kind, args in cases:
        with app.test_request_context():
            expected = [i.id for i in directory.find(kind, directory.Filters.from_args(
                {k: str(v) for k, v in args.items()})).items]
        assert ids_of(client.get(f"{API}/{kind}s", query_string=args)) == expected, (kind, args)
    assert ids_of(client.get(f"{API}/offers", query_string={"sector": digital})) != []
    assert ids_of(client.get(f"{API}/offers", query_string={"competence": 999999})) == []


def test_an_empty_search_is_no_search(client, network):
    assert ids_of(client.get(f"{API}/offers?q=")) == ids_of(client.get(f"{API}/offers"))


# --- paging --------------------------------------------------------------------------------------


def test_paging_with_absolute_links_that_keep_the_filters(client, make, posts):
    org = make.org()
    for n in range(25):
        posts.offer(org, title=f"Offre numéro {n}", mode=Mode.REMOTE)
    posts.offer(org, title="Autre chose", mode=Mode.REMOTE)
    first = client.get(f"{API}/offers", query_string={"q": "offre", "mode": "remote", "per_page": 10}).get_json()
    assert (first["page"], first["per_page"], first["total"], first["pages"]) == (1, 10, 25, 3)
    assert len(first["items"]) == 10 and first["links"]["prev"] is None
    next_link = first["links"]["next"]
    assert next_link.startswith(f"http://localhost{API}/offers?")
    assert all(part in next_link for part in ("q=offre", "mode=remote", "page=2", "per_page=10"))
    second = client.get(next_link).get_json()
    assert second["page"] == 2 and len(second["items"]) == 10
    assert not {i["id"] for i in second["items"]} & {i["id"] for i in first["items"]}
    third = client.get(second["links"]["next"]).get_json()
    assert len(third["items"]) == 5 and third["links"]["next"] is None
    assert client.get(third["links"]["prev"]).get_json() == second
    assert client.get(third["links"]["self"]).get_json() == third


def test_default_page_size_is_twenty_and_a_page_beyond_the_end_is_empty(client, make, posts):
    org = make.org()
    for n in range(21):
        posts.offer(org, title=f"Offre {n}")
    body = client.get(f"{API}/offers").get_json()
    assert (body["per_page"], len(body["items"]), body["pages"]) == (20, 20, 2)
    beyond = client.get(f"{API}/offers?page=5").get_json()
    assert beyond["items"] == [] and beyond["total"] == 21 and beyond["links"]["next"] is None


def _statements(app, client, url) -> int:
    with app.app_context():
        engine = db.engine
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_a_list_page_costs_a_few_queries_whatever_its_size(app, client, make, posts):
    orgs = [make.org(name=f"Organisation numéro {n}") for n in range(3)]
    for n in range(2):
        posts.offer(orgs[n % 3], "it-network", title=f"Offre {n}")
        posts.need(orgs[n % 3], "it-website", title=f"Besoin {n}")
    small = {kind: _statements(app, client, f"{API}/{kind}") for kind in ("offers", "needs", "organisations")}
    codes = ["it-network", "it-website", "acc-annual-accounts", "doc-research", "it-free-software"]
    for n in range(2, 25):
        orgs.append(make.org(name=f"Encore une organisation {n}"))
        posts.offer(orgs[-1], codes[n % 5], title=f"Offre {n}")
        posts.need(orgs[-1], codes[n % 5], title=f"Besoin {n}")
    for kind in ("offers", "needs", "organisations"):
        full = _statements(app, client, f"{API}/{kind}")
        assert full <= 10, (kind, full)
        assert full == small[kind], (kind, small[kind], full)  # no query per item
    assert _statements(app, client, f"{API}/offers?q=offre&language=fr") <= 10


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "args", "name"), [
    ("offers", {"page": "0"}, "page"),
    ("offers", {"page": "abc"}, "page"),
    ("offers", {"page": "99999999999999999999"}, "page"),
    ("offers", {"per_page": "500"}, "per_page"),
    ("offers", {"per_page": "0"}, "per_page"),
    ("offers", {"per_page": ""}, "per_page"),
    ("offers", {"competence": "abc"}, "competence"),
    ("offers", {"competence": "-1"}, "competence"),
    ("offers", {"domain": "1.5"}, "domain"),
    ("offers", {"language": "xx"}, "language"),
    ("offers", {"mode": "flying"}, "mode"),
    ("offers", {"commune": "paris"}, "commune"),
    ("offers", {"q": "x" * 201}, "q"),
    ("offers", {"urgency": "urgent"}, "urgency"),  # a need's filter, not an offer's
    ("needs", {"urgency": "tomorrow"}, "urgency"),
    ("needs", {"mode": "remote"}, "mode"),
    ("organisations", {"stage": "giant"}, "stage"),
    ("organisations", {"sector": "digital"}, "sector"),
    ("organisations", {"colour": "red"}, "colour"),
    ("competences", {"include_retired": "yes"}, "include_retired"),
    ("vocabularies", {"page": "2"}, "page"),
    ("offers/1", {"q": "x"}, "q"),
])
def test_bad_parameters_are_400_problem_documents(client, network, path, args, name):
    response = client.get(f"{API}/{path}", query_string=args)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == "about:blank" and body["title"] == "Bad Request" and body["status"] == 400
    assert name in body["detail"]
    assert [p["name"] for p in body["invalid_params"]] == [name]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_every_bad_parameter_is_named_at_once(client, network):
    body = client.get(f"{API}/offers?page=0&per_page=500&language=xx&language=fr").get_json()
    assert {p["name"] for p in body["invalid_params"]} == {"page", "per_page", "language"}
    assert "given at most once" in next(p["reason"] for p in body["invalid_params"] if p["name"] == "language")


def test_unknown_paths_and_methods_are_problem_documents(client, network):
    missing = client.get(f"{API}/nothing-here")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert client.get(f"{API}/offers/abc").status_code == 404
    posted = client.post(f"{API}/offers", data={"title": "x"})
    assert posted.status_code == 405 and posted.mimetype == "application/problem+json"
    assert posted.get_json()["title"] == "Method Not Allowed"
    assert "GET" in posted.headers["Allow"]
    assert client.delete(f"{API}/offers/{network['research']}").status_code == 405
    # The rest of the site keeps its HTML error pages.
    page = client.get("/nothing-here")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Access-Control-Allow-Origin" not in page.headers


def test_a_server_error_is_a_problem_document(app, client, network, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire: secret detail")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(directory, "find", broken)
    response = client.get(f"{API}/offers")
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 500 and body["title"] == "Internal Server Error"
    assert "fire" not in response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_too_many_requests_is_a_problem_document_with_retry_after(client, network, monkeypatch):
    def throttled(*args, **kwargs):
        raise TooManyAttempts("Slow down.", retry_after=120)

    monkeypatch.setattr(directory, "find", throttled)
    response = client.get(f"{API}/needs")
    assert response.status_code == 429 and response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "120"
    assert response.get_json() == {"type": "about:blank", "title": "Too Many Requests", "status": 429,
                                   "detail": "Slow down."}


# --- open to every site --------------------------------------------------------------------------


def test_every_api_response_is_open_to_every_site(client, network):
    for url in (f"{API}/offers", f"{API}/competences", f"{API}/openapi.json", f"{API}/offers/999999",
                f"{API}/offers?page=0"):
        assert client.get(url).headers["Access-Control-Allow-Origin"] == "*", url
    assert "Access-Control-Allow-Origin" not in client.get("/").headers


def test_responses_are_json_and_leave_no_session(client, network):
    response = client.get(f"{API}/offers")
    assert response.mimetype == "application/json"
    assert json.loads(response.get_data(as_text=True))["total"] == 3
    assert "Set-Cookie" not in response.headers
