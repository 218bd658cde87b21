"""Abuse limits on sending requests: per address and per email, with the form kept."""

import pytest
from filing import TECH, form_page, hidden_fields, post_request

from helpdesk.extensions import db
from helpdesk.models import Ticket


@pytest.fixture
def limited(make_app):
    return make_app(RATELIMIT_ENABLED=True, REQUEST_RATE_LIMIT_IP="3 per hour",
                    REQUEST_RATE_LIMIT_EMAIL="2 per hour")


def count(app):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Ticket.id)))


def test_one_address_cannot_send_more_than_the_limit(limited):
    client = limited.test_client()
    codes = [post_request(client, email=f"user{n}@example.com").status_code for n in range(4)]
    assert codes == [303, 303, 303, 429]
    assert count(limited) == 3


def client_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_one_email_cannot_send_more_than_its_limit_from_any_address(limited):
    codes = [post_request(client_at(limited, f"192.0.2.{n}"), email="Ann@Example.com").status_code
             for n in range(3)]
    assert codes == [303, 303, 429]


def test_other_emails_from_other_addresses_are_not_held_back(limited):
    for n in range(2):
        post_request(client_at(limited, f"192.0.2.{n}"), email="ann@example.com")
    assert post_request(client_at(limited, "192.0.2.9"), email="bob@example.com").status_code == 303


def test_a_rate_limited_form_comes_back_with_everything_typed(limited):
    client = limited.test_client()
    for n in range(3):
        post_request(client, email=f"user{n}@example.com")
    response = post_request(client, email="last@example.com", description="Please keep this")
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "wait a few minutes" in page and "Please keep this" in page
    assert 'value="last@example.com"' in page


def test_mistakes_do_not_use_up_the_email_limit(limited):
    client = limited.test_client()
    for _ in range(2):
        assert post_request(client, email="ann@example.com", summary="").status_code == 400
    assert post_request(limited.test_client(), email="ann@example.com").status_code == 303


def test_finding_answers_is_not_limited(limited):
    client = limited.test_client()
    hidden = hidden_fields(form_page(client))
    codes = {client.post(f"/requests/new/{TECH}", data={**hidden, "find": "1",
                                                        "summary": "password"}).status_code
             for _ in range(6)}
    assert codes == {200}


def test_limits_are_off_when_the_setting_says_so(make_app):
    app = make_app(RATELIMIT_ENABLED=False, REQUEST_RATE_LIMIT_IP="1 per hour")
    client = app.test_client()
    assert [post_request(client).status_code for _ in range(2)] == [303, 303]
