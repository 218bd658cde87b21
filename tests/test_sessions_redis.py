"""Sessions and limits on a real Redis (REDIS_URL): what a person notices is the same as
with the database store, every app on the same Redis sees the same sessions and counts,
and a Redis that goes away gives a "try again" page, never an error, until it is back."""

import logging

import pytest
from accounts import (
    both_requests_kept_their_change,
    make_user,
    page_token,
    post,
    sign_in,
    sign_in_with_password,
    signed_in_as,
)

from helpdesk.extensions import db
from helpdesk.models import WebSession

PASSWORD = "a long enough password"


@pytest.fixture
def redis_app(make_app, redis_server):
    return make_app(REDIS_URL=redis_server.url)


def session_cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_a_signed_in_session_lives_in_redis_not_in_the_database(redis_app, redis_server):
    client = redis_app.test_client()
    sign_in(client, redis_app, "ann@example.com")
    assert signed_in_as(client) == "ann@example.com"
    with redis_app.app_context():
        assert db.session.execute(db.select(db.func.count(WebSession.id))).scalar() == 0


def test_another_app_on_the_same_redis_sees_the_session(redis_app, make_app, redis_server):
    client = redis_app.test_client()
    sign_in(client, redis_app, "ann@example.com")
    other_worker = make_app(REDIS_URL=redis_server.url).test_client()
    other_worker.set_cookie("session", session_cookie(client))
    assert signed_in_as(other_worker) == "ann@example.com"


def test_two_requests_of_one_browser_keep_what_each_stored(redis_app):
    assert both_requests_kept_their_change(redis_app, redis_app.test_client())


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(redis_app):
    client = redis_app.test_client()
    sign_in(client, redis_app, "ann@example.com")
    copy = redis_app.test_client()
    copy.set_cookie("session", session_cookie(client))
    post(client, "/logout", token_from="/logout")
    assert signed_in_as(copy) is None


def test_sign_out_everywhere_ends_every_session_of_that_person_only(redis_app):
    laptop, phone, bob = (redis_app.test_client() for _ in range(3))
    sign_in(laptop, redis_app, "ann@example.com", remember=True)
    sign_in(phone, redis_app, "ann@example.com")
    sign_in(bob, redis_app, "bob@example.com")
    post(phone, "/account/sessions/end", token_from="/account")
    assert signed_in_as(laptop) is None and signed_in_as(phone) is None
    assert signed_in_as(bob) == "bob@example.com"


def test_maintenance_runs_with_sessions_in_redis(redis_app):
    sign_in(redis_app.test_client(), redis_app, "ann@example.com")
    result = redis_app.test_cli_runner().invoke(args=["maintenance"])
    assert result.exit_code == 0, result.output
    assert "sessions: 0 expired sessions removed" in result.output


def test_maintenance_drops_what_expired_sessions_left_in_a_persons_index(redis_app,
                                                                        redis_server):
    client = redis_app.test_client()
    sign_in(client, redis_app, "ann@example.com")
    store = redis_app.session_interface.store
    for key in store.client.scan_iter(match=store.session_prefix + "*"):
        store.client.delete(key)  # as Redis does when a session's time is up
    result = redis_app.test_cli_runner().invoke(args=["maintenance"])
    assert "sessions: 1 expired sessions removed" in result.output
    assert signed_in_as(client) is None


# --- Redis gone ---------------------------------------------------------------------------

def test_while_redis_is_down_pages_needing_the_session_say_try_again(redis_app, redis_server):
    client = redis_app.test_client()
    sign_in(client, redis_app, "ann@example.com")
    redis_server.kill()
    down = client.get("/requests")
    page = down.get_data(as_text=True)
    assert down.status_code == 503 and down.headers["Retry-After"]
    assert "Service busy, try again" in page and "Contact support" in page
    assert client.get("/api/suggest?q=password").status_code == 200  # needs no session
    assert client.get("/healthz").json["redis"]["ok"] is False


def test_while_redis_is_down_a_new_visitor_gets_try_again_instead_of_a_form(redis_app,
                                                                           redis_server):
    redis_server.kill()
    response = redis_app.test_client().get("/requests/new/technical-support")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "Service busy, try again" in response.get_data(as_text=True)


def sign_in_once_redis_is_gone(app, redis_server):
    """Ann opens the sign-in page, Redis dies, she sends her right password: (her browser,
    the answer)."""
    make_user(app, "ann@example.com", password=PASSWORD)
    client = app.test_client()
    token = page_token(client)
    redis_server.kill()
    return client, client.post("/login", data={"email": "ann@example.com",
                                                "password": PASSWORD, "csrf_token": token})


def test_signing_in_while_redis_is_down_says_try_again_and_signs_no_one_in(redis_app,
                                                                           redis_server):
    client, response = sign_in_once_redis_is_gone(redis_app, redis_server)
    assert response.status_code == 503 and "Location" not in response.headers
    redis_server.start()
    assert signed_in_as(client) is None


def test_once_redis_is_back_the_same_session_works_again(redis_app, redis_server):
    client = redis_app.test_client()
    sign_in(client, redis_app, "ann@example.com")
    redis_server.kill()
    assert client.get("/requests").status_code == 503
    redis_server.start()
    assert client.get("/requests").status_code == 200
    assert signed_in_as(client) == "ann@example.com"


@pytest.fixture
def limits_on_redis(make_app, redis_server):
    """Limits on Redis, sessions in the database: a Redis outage touches the limits only."""
    def build(failure):
        return make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_server.url,
                        REDIS_FAILURE=failure)
    return build


def test_limits_closed_refuse_with_try_again_while_redis_is_down(limits_on_redis, redis_server):
    client, response = sign_in_once_redis_is_gone(limits_on_redis("closed"), redis_server)
    assert response.status_code == 503 and "Service busy" in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_limits_open_let_people_sign_in_while_redis_is_down(limits_on_redis, redis_server,
                                                            caplog):
    with caplog.at_level(logging.WARNING):
        client, response = sign_in_once_redis_is_gone(limits_on_redis("open"), redis_server)
    assert response.status_code == 303 and signed_in_as(client) == "ann@example.com"
    assert "password throttle skipped" in caplog.text


def test_wrong_passwords_counted_by_one_app_stop_the_next_guess_on_another(
        make_app, redis_server):
    settings = {"REDIS_URL": redis_server.url, "RATELIMIT_ENABLED": True,
                "AUTH_PASSWORD_FAILURES_PER_SOURCE": "2 per hour"}
    first, second = make_app(**settings), make_app(**settings)
    make_user(first, "ann@example.com", password=PASSWORD)
    codes = [sign_in_with_password(app.test_client(), "ann@example.com", "wrong guess 1234")
             .status_code for app in (first, second, first)]
    assert codes == [400, 400, 429]


def test_an_unknown_failure_choice_stops_the_start(make_app):
    with pytest.raises(RuntimeError, match="REDIS_FAILURE"):
        make_app(REDIS_FAILURE="maybe")
