"""Abuse limits on sign-in, links, registration and reset: per client address and per email."""

import pytest
from accounts import last_link, outbox, page_token, request_link, token_of

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


def test_password_guessing_is_limited_too(limited):
    codes = [send(limited, "/login", "ann@example.com", f"10.0.2.{n}",
                  password=f"guess number {n}").status_code for n in range(3)]
    assert codes == [400, 400, 429]


def test_using_links_is_limited_per_address(limited):
    client = limited.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.3.1"
    request_link(client, "ann@example.com")
    token = token_of(last_link(limited, "ann@example.com", "/login/link"))
    codes = [client.post("/login/link", data={"token": token + "x",
                                              "csrf_token": page_token(client)}).status_code
             for _ in range(4)]
    assert codes == [400, 400, 400, 429]


def test_limits_are_off_when_the_setting_says_so(app):
    codes = {send(app, "/login", "ann@example.com").status_code for _ in range(8)}
    assert codes == {303}
