"""Sessions and cookies: rotated at sign-in, cleared at sign-out, flags as docs/security.md
lists them, and `next=` kept on this site."""

import pytest
from accounts import (
    both_requests_kept_their_change,
    file_request,
    last_link,
    make_user,
    page_token,
    post,
    request_link,
    sign_in,
    sign_in_with_password,
    signed_in_as,
    token_of,
    use_link,
)

PASSWORD = "a long enough password"


def session_cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def set_cookies(response, name):
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "=")]


# --- rotation -----------------------------------------------------------------------------------

def test_sign_in_drops_everything_planted_in_the_session_before(app, client):
    with client.session_transaction() as session:
        session["planted"] = "attacker value"
        session["grant:1"] = 1
        session["_fresh"] = "planted"
    sign_in(client, app, "ann@example.com")
    with client.session_transaction() as session:
        assert "planted" not in session and "grant:1" not in session
        assert session["_fresh"] is True


def test_sign_in_gives_a_new_session_cookie(app, client):
    request_link(client, "ann@example.com")
    link = last_link(app, "ann@example.com", "/login/link")
    client.get(link)
    before = session_cookie(client)
    use_link(client, link)
    after = session_cookie(client)
    assert before and after and before != after


def test_signing_in_twice_never_reuses_a_session(app, client):
    make_user(app, "ann@example.com", password=PASSWORD)
    sign_in_with_password(client, "ann@example.com", PASSWORD)
    first = session_cookie(client)
    sign_in_with_password(client, "ann@example.com", PASSWORD)
    assert session_cookie(client) != first


def test_the_csrf_token_changes_at_sign_in(app, client):
    before = page_token(client)
    sign_in(client, app, "ann@example.com")
    assert page_token(client) != before


def test_sign_out_clears_the_session(app, client):
    sign_in(client, app, "ann@example.com")
    with client.session_transaction() as session:
        session["left_over"] = "x"
    post(client, "/logout", token_from="/logout")
    with client.session_transaction() as session:
        assert set(session) <= {"_flashes"}  # only the "You are signed out" notice


def test_a_copied_session_cookie_dies_after_sign_out_everywhere(app, client):
    sign_in(client, app, "ann@example.com")
    thief = app.test_client()
    thief.set_cookie("session", session_cookie(client))
    assert signed_in_as(thief) == "ann@example.com"
    post(client, "/account/sessions/end", token_from="/account")
    assert signed_in_as(thief) is None


# --- cookie flags -----------------------------------------------------------------------------

def test_session_cookie_is_httponly_and_samesite_lax(app, client):
    request_link(client, "ann@example.com")
    link = last_link(app, "ann@example.com", "/login/link")
    client.get(link)
    (cookie,) = set_cookies(use_link(client, link), "session")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_cookies_are_secure_over_https(app):
    client = app.test_client()
    base = "https://localhost"
    request_data = {"email": "ann@example.com", "remember": "y",
                    "csrf_token": page_token(client, base + "/login")}
    # Over https CSRF protection also checks the Referer, as browsers send it.
    client.post(base + "/login", data=request_data, headers={"Referer": base + "/login"})
    link = last_link(app, "ann@example.com", "/login/link")
    client.get(base + link)
    response = client.post(base + "/login/link", headers={"Referer": base + link}, data={
        "token": token_of(link), "remember": "y", "csrf_token": page_token(client, base + link)})
    (session,) = set_cookies(response, "session")
    assert "Secure" in session and "HttpOnly" in session and "SameSite=Lax" in session


def test_a_kept_session_cookie_is_httponly_and_samesite_lax(app, client):
    response = sign_in(client, app, "ann@example.com", remember=True)
    (cookie,) = set_cookies(response, "session")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


# --- sign-out ends the session on the server ---------------------------------------------------

def test_a_copied_session_cookie_dies_at_sign_out(app, client):
    sign_in(client, app, "ann@example.com")
    thief = app.test_client()
    thief.set_cookie("session", session_cookie(client))
    assert signed_in_as(thief) == "ann@example.com"
    post(client, "/logout", token_from="/logout")
    assert signed_in_as(thief) is None


def test_a_copied_kept_session_cookie_dies_at_sign_out(app, client):
    sign_in(client, app, "ann@example.com", remember=True)
    thief = app.test_client()
    thief.set_cookie("session", session_cookie(client))
    post(client, "/logout", token_from="/logout")
    assert signed_in_as(thief) is None


def test_what_a_link_opened_for_a_session_dies_with_it(app, client):
    ref = file_request(app)
    with app.test_request_context():
        from helpdesk.models import Ticket
        from helpdesk.tickets import links
        token = links.view_token(Ticket.by_ref(ref))
    assert client.get(f"/requests/{ref}?t={token}").status_code == 200
    sign_in(client, app, "bob@example.com")  # a new session: the link's grant stays behind
    assert client.get(f"/requests/{ref}").status_code == 404


def test_a_remember_cookie_of_the_old_kind_signs_no_one_in(app, client):
    from flask_login.utils import encode_cookie
    user_id = make_user(app, "ann@example.com")
    with app.test_request_context():
        forged = encode_cookie(f"{user_id}:0")
    client.set_cookie("remember_token", forged)
    assert signed_in_as(client) is None


def test_two_requests_of_one_browser_keep_what_each_stored(app, client):
    """A response that was under way while another request stored a value (a suggestion in
    flight while the form is sent) does not put the session back as it was."""
    assert both_requests_kept_their_change(app, client)


# --- next= ------------------------------------------------------------------------------------

EVIL = ["//evil.example", "/\\evil.example", "https://evil.example", "http:evil.example",
        "/%2F%2Fevil.example", "%2F%2Fevil.example", "/%5Cevil.example", "/%252F%252Fevil.example",
        "/\t/evil.example", " //evil.example", "javascript:alert(1)", "\\\\evil.example",
        "https:%2F%2Fevil.example", "/%09/evil.example", "data:text/html,hi", "evil.example"]


@pytest.mark.parametrize("target", EVIL)
def test_password_sign_in_never_redirects_off_site(app, client, target):
    make_user(app, "ann@example.com", password=PASSWORD)
    response = sign_in_with_password(client, "ann@example.com", PASSWORD, next=target)
    assert response.headers["Location"] == "/requests"


@pytest.mark.parametrize("target", EVIL)
def test_link_sign_in_never_redirects_off_site(app, client, target):
    response = sign_in(client, app, "ann@example.com", next_path=target)
    assert response.headers["Location"] == "/requests"


@pytest.mark.parametrize("target", EVIL[:4])
def test_the_sign_in_page_does_not_carry_a_foreign_next(client, target):
    page = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    assert 'name="next" value=""' in page  # none: the account's own page after signing in


def test_a_local_next_with_a_query_is_kept(app, client):
    ref = file_request(app)
    response = sign_in(client, app, "ann@example.com", next_path=f"/requests/{ref}?x=1")
    assert response.headers["Location"] == f"/requests/{ref}?x=1"


# --- pages that show one person's data stay out of caches -----------------------------------

@pytest.mark.parametrize("path", ["/requests", "/account"])
def test_a_requesters_own_pages_are_never_cached(app, client, path):
    make_user(app, "ann@example.com")
    sign_in(client, app, "ann@example.com")
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
