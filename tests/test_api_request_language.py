"""The API's new request carries the requester's language (`locale`): mail to them is
written in it. Only the site's languages are accepted."""

from accounts import ticket
from apiclient import bearer, token_for

TECH = {"type": "technical-support", "summary": "Export does nothing",
        "description": "I tap Export and nothing happens.", "fields": {"application": "mobile"}}


def test_a_request_filed_with_a_locale_keeps_it(app, client):
    secret = token_for(app, "ann@example.com")
    answer = client.post("/api/v1/requests", json=dict(TECH, locale="fr"), headers=bearer(secret))
    assert answer.status_code == 201, answer.get_json()
    assert ticket(app, answer.get_json()["ref"]).locale == "fr"


def test_a_locale_the_site_does_not_offer_is_refused_naming_the_choices(app, client):
    secret = token_for(app, "ann@example.com")
    answer = client.post("/api/v1/requests", json=dict(TECH, locale="de"), headers=bearer(secret))
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"]["locale"] == ["Choose one of: en, fr."]


def test_without_a_locale_the_request_has_none_and_mail_uses_the_default(app, client):
    secret = token_for(app, "ann@example.com")
    answer = client.post("/api/v1/requests", json=TECH, headers=bearer(secret))
    assert ticket(app, answer.get_json()["ref"]).locale is None
