from tests.conftest import login


def test_home_page_shows_member_count(client, make):
    make.org()
    make.org(status=__import__("sem.members.models", fromlist=["OrgStatus"]).OrgStatus.PENDING)
    response = client.get("/", headers={"Accept-Language": "fr"})
    assert response.status_code == 200
    assert "organisations membres" in response.get_data(as_text=True)


def test_coordinator_logs_in(client, app, make):
    coordinator = make.coordinator()
    response = login(client, app, coordinator)
    assert response.headers["Location"].endswith("/coordination/applications")
