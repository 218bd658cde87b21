"""API tokens: signing in from the app by an emailed code, scopes, revoking, errors, limits."""

from accounts import last_link, make_user, outbox, post, sign_in, token_of
from apiclient import bearer, error_code, signed_in_by_code, token_for

from helpdesk.extensions import db
from helpdesk.models import ApiToken


def test_the_app_signs_in_with_the_emailed_code_and_gets_a_token(app, client):
    secret = signed_in_by_code(client, app, "ann@example.com")
    me = client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200
    assert me.get_json()["email"] == "ann@example.com"
    assert me.get_json()["token"]["scope"] == "requester"


def test_answers_are_never_cached_and_set_no_cookie(app, client):
    secret = signed_in_by_code(client, app, "ann@example.com")
    me = client.get("/api/v1/me", headers=bearer(secret))
    assert me.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in me.headers


def test_a_code_works_once(app, client):
    client.post("/api/v1/auth/code", json={"email": "ann@example.com"})
    code = token_of(last_link(app, "ann@example.com", "/login/link"))
    assert client.post("/api/v1/auth/token", json={"code": code}).status_code == 201
    again = client.post("/api/v1/auth/token", json={"code": code})
    assert again.status_code == 400
    assert error_code(again) == "code_refused"


def test_asking_for_a_code_answers_the_same_for_unknown_addresses(app, client):
    make_user(app, "known@example.com")
    known = client.post("/api/v1/auth/code", json={"email": "known@example.com"})
    unknown = client.post("/api/v1/auth/code", json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json()


def test_only_a_digest_of_the_token_is_stored(app, client):
    secret = signed_in_by_code(client, app, "ann@example.com")
    with app.app_context():
        stored = db.session.execute(db.select(ApiToken)).scalar_one()
        assert secret not in (stored.digest, stored.hint, stored.name)
        assert len(stored.digest) == 64


def test_calls_without_a_token_or_with_a_wrong_one_are_401_json(client):
    for headers in ({}, bearer("hd_not-a-real-token")):
        answer = client.get("/api/v1/requests", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == "Bearer"
        assert set(answer.get_json()["error"]) == {"code", "message", "fields"}


def test_a_signed_in_browser_cookie_opens_nothing_in_the_api(app, client):
    make_user(app, "ann@example.com")
    sign_in(client, app, "ann@example.com")
    assert client.get("/account").status_code == 200  # the cookie works on the pages
    assert client.get("/api/v1/requests").status_code == 401


def test_the_api_needs_no_csrf_token(app, client):
    secret = token_for(app, "ann@example.com")
    answer = client.delete("/api/v1/auth/token", headers=bearer(secret))
    assert answer.status_code == 204


def test_a_read_only_token_cannot_write(app, client):
    secret = token_for(app, "ann@example.com", access="read")
    answer = client.post("/api/v1/requests", json={}, headers=bearer(secret))
    assert answer.status_code == 403
    assert error_code(answer) == "read_only"


def test_a_requester_token_cannot_use_the_desk(app, client):
    secret = token_for(app, "agent@example.com", role="agent")
    answer = client.get("/api/v1/desk/requests", headers=bearer(secret))
    assert answer.status_code == 403
    assert error_code(answer) == "wrong_scope"


def test_an_agent_token_stops_working_on_the_desk_when_its_account_is_no_longer_an_agent(
        app, client):
    secret = token_for(app, "agent@example.com", scope="agent")
    assert client.get("/api/v1/desk/requests", headers=bearer(secret)).status_code == 200
    with app.app_context():
        from helpdesk.models import User
        user = db.session.execute(db.select(User)).scalar_one()
        user.role = "requester"
        db.session.commit()
    assert client.get("/api/v1/desk/requests", headers=bearer(secret)).status_code == 403


def test_signing_out_revokes_the_token(app, client):
    secret = token_for(app, "ann@example.com")
    client.delete("/api/v1/auth/token", headers=bearer(secret))
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_the_account_page_lists_tokens_and_revokes_them(app, client):
    secret = signed_in_by_code(client, app, "ann@example.com")
    sign_in(client, app, "ann@example.com")
    page = client.get("/account").get_data(as_text=True)
    assert "phone" in page and secret[:8] in page and secret not in page
    with app.app_context():
        token_id = db.session.execute(db.select(ApiToken.id)).scalar_one()
    answer = post(client, f"/account/tokens/{token_id}/revoke", token_from="/account")
    assert answer.status_code == 303
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_an_agent_makes_an_integration_token_on_the_account_page_shown_once(app, client):
    make_user(app, "agent@example.com", role="agent")
    sign_in(client, app, "agent@example.com")
    answer = post(client, "/account/tokens", {"name": "chat bridge", "scope": "agent",
                                              "access": "write"}, token_from="/account")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    secret = next(w for w in page.replace("<", " ").replace(">", " ").split()
                  if w.startswith("hd_"))
    assert client.get("/api/v1/desk/requests", headers=bearer(secret)).status_code == 200
    assert secret not in client.get("/account").get_data(as_text=True)


def test_a_requester_cannot_make_an_agent_token(app, client):
    make_user(app, "ann@example.com")
    sign_in(client, app, "ann@example.com")
    answer = post(client, "/account/tokens", {"name": "x", "scope": "agent", "access": "read"},
                  token_from="/account")
    assert answer.status_code == 400
    assert "Only agents" in answer.get_data(as_text=True)


def test_calls_past_the_limit_get_429_with_retry_after(make_app):
    app = make_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    client = app.test_client()
    secret = token_for(app, "ann@example.com")
    answers = [client.get("/api/v1/me", headers=bearer(secret)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert error_code(answers[-1]) == "rate_limited"
    other = token_for(app, "bob@example.com")
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200


def test_asking_for_codes_is_limited_per_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, AUTH_RATE_LIMIT_EMAIL="2 per minute")
    client = app.test_client()
    answers = [client.post("/api/v1/auth/code", json={"email": "ann@example.com"})
               for _ in range(3)]
    assert [a.status_code for a in answers] == [202, 202, 429]
    assert len(outbox(app, "ann@example.com")) == 2


def test_a_bad_body_is_422_naming_the_field(client):
    answer = client.post("/api/v1/auth/code", json={"email": "not an address"})
    assert answer.status_code == 422
    assert "email" in answer.get_json()["error"]["fields"]


def test_unknown_api_paths_are_404_json(client):
    answer = client.get("/api/v1/no/such/call")
    assert answer.status_code == 404
    assert error_code(answer) == "not_found"


def test_an_api_path_no_route_can_match_is_404_json_too(client):
    # A line break in the path matches no route, not even the API's catch-all.
    answer = client.get("/api/v1/articles/a%0Ab")
    assert answer.status_code == 404
    assert error_code(answer) == "not_found"
