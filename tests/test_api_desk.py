"""The agents' and integrations' API: queue, one request with notes and audit, changes."""

from accounts import file_request, make_user, outbox, ticket
from apiclient import bearer, error_code, token_for
from desk import user_id


def agent_token(app, email="agent@example.com", access="write"):
    return token_for(app, email, scope="agent", access=access)


def test_the_queue_lists_open_requests_and_filters_them(app, client):
    web = file_request(app, "ann@example.com")
    mail = file_request(app, "bob@example.com", channel="email")
    secret = agent_token(app)
    everything = client.get("/api/v1/desk/requests", headers=bearer(secret)).get_json()
    assert {r["ref"] for r in everything["items"]} == {web, mail}
    by_mail = client.get("/api/v1/desk/requests?channel=email", headers=bearer(secret)).get_json()
    assert [r["ref"] for r in by_mail["items"]] == [mail]


def test_the_queue_pages_by_cursor(make_app):
    app = make_app(API_PAGE_SIZE=2)
    client = app.test_client()
    refs = {file_request(app, f"p{n}@example.com") for n in range(3)}
    secret = agent_token(app)
    first = client.get("/api/v1/desk/requests", headers=bearer(secret)).get_json()
    second = client.get(f"/api/v1/desk/requests?cursor={first['next_cursor']}",
                        headers=bearer(secret)).get_json()
    assert {r["ref"] for r in first["items"] + second["items"]} == refs
    assert second["next_cursor"] is None


def test_an_agent_adds_a_note_the_requester_never_sees(app, client):
    ref = file_request(app, "ann@example.com")
    secret = agent_token(app)
    answer = client.post(f"/api/v1/desk/requests/{ref}/messages", headers=bearer(secret),
                         json={"body": "Customer is on the old plan", "internal": True})
    assert answer.status_code == 201
    desk_view = client.get(f"/api/v1/desk/requests/{ref}", headers=bearer(secret)).get_json()
    assert any(m["internal"] and "old plan" in m["body"] for m in desk_view["messages"])
    requester = token_for(app, "ann@example.com")
    public = client.get(f"/api/v1/requests/{ref}", headers=bearer(requester)).get_json()
    assert not any("old plan" in m["body"] for m in public["messages"])


def test_an_agent_reply_mails_the_requester(app, client):
    ref = file_request(app, "ann@example.com")
    before = len(outbox(app, "ann@example.com"))
    secret = agent_token(app)
    client.post(f"/api/v1/desk/requests/{ref}/messages", headers=bearer(secret),
                json={"body": "Try restarting the app."})
    assert len(outbox(app, "ann@example.com")) == before + 1
    assert ticket(app, ref).status == "waiting_customer"


def test_changing_properties_is_audited(app, client):
    ref = file_request(app, "ann@example.com")
    secret = agent_token(app)
    make_user(app, "bea@example.com", role="agent")
    answer = client.patch(f"/api/v1/desk/requests/{ref}", headers=bearer(secret),
                          json={"priority": "high", "status": "resolved", "type": "billing",
                                "assignee_id": user_id(app, "bea@example.com")})
    assert answer.status_code == 200
    assert set(answer.get_json()["changed"]) == {"priority", "status", "type", "assignee"}
    changes = client.get(f"/api/v1/desk/requests/{ref}",
                         headers=bearer(secret)).get_json()["changes"]
    assert {c["field"] for c in changes} >= {"priority", "status", "type", "assignee"}
    assert all(c["actor"] == "agent@example.com" for c in changes if c["field"] == "priority")


def test_assigning_to_someone_who_is_not_an_agent_is_422(app, client):
    ref = file_request(app, "ann@example.com")
    secret = agent_token(app)
    make_user(app, "ann@example.com")
    answer = client.patch(f"/api/v1/desk/requests/{ref}", headers=bearer(secret),
                          json={"assignee_id": user_id(app, "ann@example.com")})
    assert answer.status_code == 422


def test_an_integration_files_a_request_on_someones_behalf(app, client):
    secret = agent_token(app)
    answer = client.post("/api/v1/desk/requests", headers=bearer(secret), json={
        "email": "Carl@Example.com", "type": "billing", "summary": "Charged twice",
        "description": "From the chat: charged twice in March."})
    assert answer.status_code == 201
    filed = ticket(app, answer.get_json()["ref"])
    assert filed.requester_email == "carl@example.com"
    assert filed.address_proven_at is None  # the integration did not prove the address


def test_a_read_only_agent_token_reads_but_does_not_change(app, client):
    ref = file_request(app, "ann@example.com")
    secret = agent_token(app, access="read")
    assert client.get(f"/api/v1/desk/requests/{ref}", headers=bearer(secret)).status_code == 200
    answer = client.patch(f"/api/v1/desk/requests/{ref}", headers=bearer(secret),
                          json={"priority": "high"})
    assert answer.status_code == 403
    assert error_code(answer) == "read_only"


def test_an_unknown_request_is_404(app, client):
    secret = agent_token(app)
    assert client.get("/api/v1/desk/requests/HD-99999", headers=bearer(secret)).status_code == 404
