"""Abuse limits on sign-in, links, registration and reset: per client address and per email."""

import pytest
from accounts import last_link, make_user, outbox, page_token, request_link, token_of

PASSWORD = "a long enough password"


@pytest.fixture
def limited(make_app):
    return make_app(RATELIMIT_ENABLED=True, AUTH_RATE_LIMIT_IP="3 per hour",
                    AUTH_RATE_LIMIT_EMAIL="2 per hour")


def send(app, url, email, address="10.0.0.1", **extra):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    data = {"email": email, "csrf_token": page_token(client, url), **extra}
    return client.post(url, data=data)


@pytest.mark.parametrize("url", ["/login", "/reset", "/register"])
def test_one_email_is_limited_from_any_address(limited, url):
    extra = {"password": PASSWORD, "confirm": PASSWORD} if url == "/register" else {}
    codes = [send(limited, url, "ann@example.com", f"10.0.0.{n}", **extra).status_code
             for n in range(1, 4)]
    assert codes == [303, 303, 429]


@pytest.mark.parametrize("url", ["/login", "/reset"])
def test_one_address_is_limited_across_emails(limited, url):
    codes = [send(limited, url, f"person{n}@example.com").status_code for n in range(4)]
    assert codes == [303, 303, 303, 429]


def test_a_limited_page_keeps_the_email_and_explains(limited):
    for _ in range(2):
        send(limited, "/login", "ann@example.com")
    response = send(limited, "/login", "ann@example.com", "10.0.0.9")
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Too many attempts" in page and 'value="ann@example.com"' in page


def test_no_mail_goes_out_beyond_the_limit(limited):
    for n in range(5):
        send(limited, "/login", "ann@example.com", f"10.0.1.{n}")
    assert len(outbox(limited, "ann@example.com")) == 2


@pytest.fixture
def guarded(make_app):
    """Small password-failure limits, so a test reaches them quickly."""
    return make_app(RATELIMIT_ENABLED=True, AUTH_PASSWORD_FAILURES_PER_SOURCE="3 per hour",
                    AUTH_PASSWORD_FAILURES_PER_ACCOUNT="6 per hour",
                    AUTH_PASSWORD_FAILURES_PER_DEVICE="3 per hour",
                    AUTH_PASSWORD_FAILURES_PER_IP="10 per hour")


def guess(app, address, client=None, email="admin@example.com", password="wrong guess 1234"):
    client = client or app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return send_from(client, email, password)


def send_from(client, email, password=None):
    data = {"email": email, "csrf_token": page_token(client, "/login")}
    if password is not None:
        data["password"] = password
    return client.post("/login", data=data)


def test_password_guessing_from_one_address_is_stopped(guarded):
    make_user(guarded, "admin@example.com", role="admin", password=PASSWORD)
    codes = [guess(guarded, "10.0.2.1").status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]


def test_the_owner_signs_in_from_a_fresh_address_after_wrong_guesses(guarded):
    make_user(guarded, "admin@example.com", role="admin", password=PASSWORD)
    for n in range(5):
        guess(guarded, f"10.0.2.{n % 2}")
    response = guess(guarded, "10.9.9.9", password=PASSWORD)
    assert response.status_code == 303


def test_a_sign_in_link_is_sent_after_wrong_guesses(guarded):
    make_user(guarded, "admin@example.com", role="admin", password=PASSWORD)
    for _ in range(5):
        guess(guarded, "10.0.2.1")
    client = guarded.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.2.1"
    assert send_from(client, "admin@example.com").status_code == 303
    assert outbox(guarded, "admin@example.com")


def test_a_right_password_is_not_counted(guarded):
    make_user(guarded, "admin@example.com", role="admin", password=PASSWORD)
    codes = [guess(guarded, "10.0.2.1", password=PASSWORD).status_code for _ in range(6)]
    assert codes == [303] * 6


def test_guessing_from_many_addresses_stops_strangers_but_not_the_owners_browser(guarded):
    make_user(guarded, "admin@example.com", role="admin", password=PASSWORD)
    owner = guarded.test_client()
    assert guess(guarded, "10.5.0.1", client=owner, password=PASSWORD).status_code == 303
    for n in range(6):  # a botnet: each address stays under its own limit
        guess(guarded, f"10.0.3.{n}")
    assert guess(guarded, "10.0.4.1").status_code == 429  # a new stranger is refused
    stranger = guess(guarded, "10.0.4.2", password=PASSWORD)
    assert stranger.status_code == 429  # even with the password, while the attack lasts
    assert guess(guarded, "10.5.0.1", client=owner, password=PASSWORD).status_code == 303


def test_the_refusal_says_how_to_get_in(guarded):
    make_user(guarded, "admin@example.com", role="admin", password=PASSWORD)
    for _ in range(3):
        guess(guarded, "10.0.2.1")
    page = guess(guarded, "10.0.2.1").get_data(as_text=True)
    assert "Too many wrong passwords" in page and "sign-in link" in page
    assert 'value="admin@example.com"' in page


def test_using_links_is_limited_per_address_and_the_page_says_to_wait(limited):
    client = limited.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.3.1"
    request_link(client, "ann@example.com")
    token = token_of(last_link(limited, "ann@example.com", "/login/link"))
    responses = [client.post("/login/link", data={"token": token + "x",
                                                  "csrf_token": page_token(client)})
                 for _ in range(4)]
    assert [r.status_code for r in responses] == [400, 400, 400, 429]
    assert "wait a few minutes" in responses[-1].get_data(as_text=True)


def test_limits_are_off_when_the_setting_says_so(app):
    codes = {send(app, "/login", "ann@example.com").status_code for _ in range(8)}
    assert codes == {303}
