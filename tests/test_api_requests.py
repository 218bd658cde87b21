"""The requester's API (the mobile app): filing, following, replying, solving, articles."""

import io
import json

from accounts import file_request, make_user, ticket
from apiclient import bearer, error_code, token_for
from desk import signed_in as agent_client
from filing import PNG

TECH = {"type": "technical-support", "summary": "Export does nothing",
        "description": "I tap Export and nothing happens.", "fields": {"application": "mobile"}}


def file_with_screenshot(client, secret, **extra):
    data = {"type": "technical-support", "summary": "Export does nothing",
            "description": "I tap Export and nothing happens.",
            "fields": json.dumps({"application": "mobile"}), "app_version": "4.2.0",
            "os": "iOS 18.1", "device": "iPhone 15",
            "attachments": (io.BytesIO(PNG), "screen.png"), **extra}
    return client.post("/api/v1/requests", data=data, content_type="multipart/form-data",
                       headers=bearer(secret))


def test_the_app_files_a_request_with_device_details_and_a_screenshot(app, client):
    secret = token_for(app, "ann@example.com")
    answer = file_with_screenshot(client, secret)
    assert answer.status_code == 201, answer.get_json()
    filed = ticket(app, answer.get_json()["ref"])
    assert filed.requester_email == "ann@example.com"
    assert filed.environment["app_version"] == "4.2.0"
    assert filed.environment["app_device"] == "iPhone 15"
    assert [a.original_name for a in filed.attachments] == ["screen.png"]


def test_a_request_with_a_missing_summary_is_422_naming_it(app, client):
    secret = token_for(app, "ann@example.com")
    answer = client.post("/api/v1/requests", json=dict(TECH, summary=""), headers=bearer(secret))
    assert answer.status_code == 422
    assert "summary" in answer.get_json()["error"]["fields"]


def test_a_type_field_with_a_value_not_offered_is_refused(app, client):
    secret = token_for(app, "ann@example.com")
    answer = client.post("/api/v1/requests", json=dict(TECH, fields={"application": "fax"}),
                         headers=bearer(secret))
    assert answer.status_code == 422
    assert "fields.application" in answer.get_json()["error"]["fields"]


def test_a_file_of_a_refused_kind_is_refused_like_on_the_form(app, client):
    secret = token_for(app, "ann@example.com")
    answer = file_with_screenshot(client, secret,
                                  attachments=(io.BytesIO(b"MZ\x90\x00binary"), "tool.exe"))
    assert answer.status_code == 422
    assert error_code(answer) == "attachment_refused"


def test_a_file_over_the_size_limit_is_413(make_app):
    app = make_app(ATTACHMENT_MAX_BYTES=50)
    client = app.test_client()
    secret = token_for(app, "ann@example.com")
    answer = file_with_screenshot(client, secret)
    assert answer.status_code == 413


def test_the_same_idempotency_key_files_once(app, client):
    secret = token_for(app, "ann@example.com")
    headers = dict(bearer(secret), **{"Idempotency-Key": "k1"})
    first = client.post("/api/v1/requests", json=TECH, headers=headers)
    again = client.post("/api/v1/requests", json=TECH, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["ref"] == again.get_json()["ref"]


def test_the_list_shows_only_the_accounts_own_requests_a_page_at_a_time(make_app):
    app = make_app(API_PAGE_SIZE=2)
    client = app.test_client()
    refs = [file_request(app, "ann@example.com", summary=f"Problem {n}") for n in range(3)]
    file_request(app, "bob@example.com", summary="Bob's")
    secret = token_for(app, "ann@example.com")
    first = client.get("/api/v1/requests", headers=bearer(secret)).get_json()
    second = client.get(f"/api/v1/requests?cursor={first['next_cursor']}",
                        headers=bearer(secret)).get_json()
    assert sorted(r["ref"] for r in first["items"] + second["items"]) == sorted(refs)
    assert second["next_cursor"] is None


def test_a_cursor_the_api_did_not_give_is_400(app, client):
    secret = token_for(app, "ann@example.com")
    answer = client.get("/api/v1/requests?cursor=bogus!", headers=bearer(secret))
    assert answer.status_code == 400


def test_someone_elses_request_is_404(app, client):
    ref = file_request(app, "bob@example.com")
    secret = token_for(app, "ann@example.com")
    assert client.get(f"/api/v1/requests/{ref}", headers=bearer(secret)).status_code == 404


def test_reading_a_request_shows_the_public_conversation_without_notes(app, client):
    ref = file_request(app, "ann@example.com")
    agent = agent_client(app)
    from desk import reply
    reply(agent, ref, "We are looking at it.")
    reply(agent, ref, "Secret note about the customer", action="note")
    secret = token_for(app, "ann@example.com")
    found = client.get(f"/api/v1/requests/{ref}", headers=bearer(secret)).get_json()
    bodies = [m["body"] for m in found["messages"]]
    assert "We are looking at it." in bodies
    assert not any("Secret note" in b for b in bodies)
    assert found["status"] == "waiting_customer"


def test_the_requester_replies_with_a_file_and_downloads_it(app, client):
    ref = file_request(app, "ann@example.com")
    secret = token_for(app, "ann@example.com")
    answer = client.post(f"/api/v1/requests/{ref}/messages", headers=bearer(secret),
                         content_type="multipart/form-data",
                         data={"body": "Here is the screen", "attachments": (io.BytesIO(PNG),
                                                                            "screen.png")})
    assert answer.status_code == 201
    found = client.get(f"/api/v1/requests/{ref}", headers=bearer(secret)).get_json()
    url = found["messages"][-1]["attachments"][0]["url"]
    assert client.get(url, headers=bearer(secret)).data == PNG
    other = token_for(app, "bob@example.com")
    assert client.get(url, headers=bearer(other)).status_code == 404


def test_solve_rate_and_reopen(app, client):
    ref = file_request(app, "ann@example.com")
    secret = token_for(app, "ann@example.com")
    assert client.post(f"/api/v1/requests/{ref}/solve",
                       headers=bearer(secret)).get_json()["status"] == "resolved"
    assert client.post(f"/api/v1/requests/{ref}/solve", headers=bearer(secret)).status_code == 409
    rated = client.post(f"/api/v1/requests/{ref}/rating", json={"score": 5, "comment": "Fast"},
                        headers=bearer(secret))
    assert rated.status_code == 201
    assert ticket(app, ref).rating.score == 5
    assert client.post(f"/api/v1/requests/{ref}/reopen",
                       headers=bearer(secret)).get_json()["status"] == "open"


def test_a_rating_out_of_range_is_422(app, client):
    ref = file_request(app, "ann@example.com")
    secret = token_for(app, "ann@example.com")
    answer = client.post(f"/api/v1/requests/{ref}/rating", json={"score": 9},
                         headers=bearer(secret))
    assert answer.status_code == 422
    assert "score" in answer.get_json()["error"]["fields"]


def test_articles_search_suggest_and_read(app, client):
    secret = token_for(app, "ann@example.com")
    found = client.get("/api/v1/articles/search?q=password", headers=bearer(secret)).get_json()
    assert found["results"]
    slug = found["results"][0]["slug"]
    typed = client.get("/api/v1/articles/suggest?q=passw", headers=bearer(secret)).get_json()
    assert typed["results"]
    article = client.get(f"/api/v1/articles/{slug}", headers=bearer(secret)).get_json()
    assert article["title"] == found["results"][0]["title"] and "<" in article["html"]
    assert client.get("/api/v1/articles/no/such", headers=bearer(secret)).status_code == 404


def test_request_types_list_their_fields(app, client):
    secret = token_for(app, "ann@example.com")
    types = client.get("/api/v1/request-types", headers=bearer(secret)).get_json()["items"]
    tech = next(t for t in types if t["slug"] == "technical-support")
    assert {"application", "section", "feature"} <= {f["name"] for f in tech["fields"]}


def test_an_unverified_account_sees_no_requests(app, client):
    file_request(app, "ann@example.com")
    make_user(app, "ann@example.com", verified=False)
    secret = token_for(app, "ann@example.com")
    assert client.get("/api/v1/requests", headers=bearer(secret)).get_json()["items"] == []




def test_filing_is_limited_like_the_form(make_app):
    app = make_app(RATELIMIT_ENABLED=True, REQUEST_RATE_LIMIT_EMAIL="1 per minute")
    client = app.test_client()
    secret = token_for(app, "ann@example.com")
    first = client.post("/api/v1/requests", json=TECH, headers=bearer(secret))
    again = client.post("/api/v1/requests", json=TECH, headers=bearer(secret))
    assert (first.status_code, again.status_code) == (201, 429)
    assert int(again.headers["Retry-After"]) >= 1
