"""Every form says which fields it needs before anything is sent: "(required)" beside the
label (and the input's own `required`), "(optional)" where it may stay empty."""

import re

import pytest
from accounts import post
from desk import signed_in


def label_of(page, field_id):
    return re.search(rf'<label for="{field_id}">(.*?)</label>', page, re.S).group(1)


def is_required(page, field_id):
    return bool(re.search(rf'<(input|textarea|select)[^>]*id="{field_id}"[^>]*\brequired\b', page))


@pytest.mark.parametrize("path, required, optional", [
    ("/login", ["email"], ["password"]),
    ("/register", ["email", "password", "confirm"], []),
    ("/reset", ["email"], []),
])
def test_account_forms_mark_what_they_need(client, path, required, optional):
    page = client.get(path).get_data(as_text=True)
    for field_id in required:
        assert "(required)" in label_of(page, field_id) and is_required(page, field_id)
    for field_id in optional:
        assert "(optional)" in label_of(page, field_id) and not is_required(page, field_id)


def test_registering_without_repeating_the_password_says_so(client):
    response = post(client, "/register", {"email": "new@example.com",
                                          "password": "a long enough password"},
                    token_from="/register")
    assert "Repeat the password." in response.get_data(as_text=True)


@pytest.mark.parametrize("path, required", [
    ("/agent/saved-replies", ["title", "body"]),
    ("/agent/people", ["invite-email"]),
])
def test_desk_forms_mark_what_they_need(app, path, required):
    admin = signed_in(app, "admin@example.com", role="admin")
    page = admin.get(path).get_data(as_text=True)
    for field_id in required:
        assert "(required)" in label_of(page, field_id) and is_required(page, field_id)
