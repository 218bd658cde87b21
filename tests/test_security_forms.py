"""Forms under attack: CSRF on every POST, no change by GET, stored XSS, enumeration,
type confusion and mass assignment."""

import re

import pytest
from accounts import (
    file_request,
    get_user,
    last_link,
    make_user,
    outbox,
    page_token,
    post,
    request_link,
    sign_in,
    sign_in_with_password,
    ticket,
    token_of,
)
from filing import multipart, post_request, ref_from
from sqlalchemy import inspect, text

from helpdesk.extensions import db

PASSWORD = "a long enough password"


def fingerprint(app):
    """Rows of every table that holds state (statistics and browsers' sessions left out:
    a page read takes its notices out of the session)."""
    with app.app_context():
        tables = sorted(set(inspect(db.engine).get_table_names())
                        - {"event", "article_stat", "alembic_version", "web_session"})
        state = {t: db.session.execute(text(f'SELECT * FROM "{t}" ORDER BY 1')).all()
                 for t in tables}
        db.session.remove()
        return state


def sample_url(rule, ref):
    values = {"ref": ref, "slug": "technical-support", "public_id": "x", "filename": "f",
              "path": "x", "user_id": "1", "reply_id": "1", "token_id": "1",
              "hook_id": "1"}  # ids: <int:...> routes match
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", values.get(name, "x"), url)
    return url


# --- CSRF: every POST in the app ----------------------------------------------------------

def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(app, client):
    ref = file_request(app)
    sign_in(client, app, "ann@example.com")
    client.get(f"/requests/{ref}")
    before = fingerprint(app)
    rules = [r for r in app.url_map.iter_rules() if "POST" in r.methods]
    assert len(rules) >= 15
    for rule in rules:
        data, content_type = multipart({"email": "ann@example.com", "body": "x", "score": "5",
                                        "summary": "x", "description": "x", "token": "x"})
        response = client.post(sample_url(rule, ref), data=data, content_type=content_type)
        if rule.rule.startswith("/api/v1/"):
            # The API takes no cookies, so a signed-in browser is nobody there (401), and
            # its two anonymous calls read JSON only, which a cross-site form cannot send;
            # the catch-all answers 404.
            assert response.status_code in (401, 404, 415, 422), rule.rule
        else:
            assert response.status_code == 400, rule.rule
    assert fingerprint(app) == before


@pytest.mark.parametrize("action", ["solve", "reply", "rate", "reopen"])
def test_a_forged_cross_site_post_changes_no_request(app, client, action):
    ref = file_request(app)
    sign_in(client, app, "ann@example.com")
    before = fingerprint(app)
    response = client.post(f"/requests/{ref}/{action}", data={
        "csrf_token": "forged", "body": "x", "score": "1"},
        headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    assert fingerprint(app) == before


# --- GET never changes anything ---------------------------------------------------------------

def test_opening_every_emailed_link_changes_nothing(app, client):
    make_user(app, "ann@example.com", password=PASSWORD)
    request_link(client, "ann@example.com")
    post(client, "/reset", {"email": "ann@example.com"})
    post(client, "/register", {"email": "new@example.com", "password": PASSWORD,
                               "confirm": PASSWORD})
    sign_in_with_password(client, "ann@example.com", PASSWORD)
    post(client, "/account/email", {"new_email": "ann@new.example", "password": PASSWORD},
         token_from="/account")
    links = [last_link(app, "ann@example.com", "/login/link"),
             last_link(app, "ann@example.com", "/reset/confirm"),
             last_link(app, "new@example.com", "/register/verify"),
             last_link(app, "ann@new.example", "/account/email/confirm")]
    before = fingerprint(app)
    scanner = app.test_client()
    for link in links:
        for _ in range(2):
            assert scanner.get(link).status_code == 200, link
    assert fingerprint(app) == before


def test_get_on_actions_is_not_allowed(app, client):
    ref = file_request(app)
    sign_in(client, app, "ann@example.com")
    before = fingerprint(app)
    for action in ("solve", "reopen", "rate", "reply"):
        assert client.get(f"/requests/{ref}/{action}").status_code == 405
    for url in ("/account/verify", "/account/sessions/end", "/account/email"):
        assert client.get(url).status_code == 405
    assert client.get("/logout").status_code == 200
    assert fingerprint(app) == before


# --- stored XSS -------------------------------------------------------------------------------

PAYLOADS = {
    "summary": '<script>alert("summary")</script>',
    "description": '<img src=x onerror=alert("description")>',
    "section": '"><svg onload=alert("field")>',
    "reply": '<script>alert("reply")</script> [click](javascript:alert("link"))',
    "file": '<img src=x onerror=alert("file")>.txt',
}
RAW = ['<script>alert(', '<img src=x', '<svg onload']


def live_markup(html):
    """Hostile markup that a browser would run: tags from payloads, handlers, script links."""
    found = [raw for raw in RAW if raw in html]
    found += re.findall(r"<[a-z][^<>]*\son[a-z]+\s*=", html, re.I)
    found += re.findall(r"(?:href|src)\s*=\s*[\"']?\s*javascript:", html, re.I)
    return found


def hostile_request(app, client):
    response = post_request(client, summary=PAYLOADS["summary"],
                            description=PAYLOADS["description"], section=PAYLOADS["section"],
                            files=[(PAYLOADS["file"], b"plain text\n")])
    ref = ref_from(response)
    sign_in(client, app, "ann@example.com")
    data, content_type = multipart({"csrf_token": page_token(client, f"/requests/{ref}"),
                                    "body": PAYLOADS["reply"]})
    assert client.post(f"/requests/{ref}/reply", data=data,
                       content_type=content_type).status_code == 303
    return ref


@pytest.mark.parametrize("page", ["request", "my requests", "preview"])
def test_hostile_text_is_shown_as_text(app, client, page):
    ref = hostile_request(app, client)
    if page == "request":
        html = client.get(f"/requests/{ref}").get_data(as_text=True)
    elif page == "my requests":
        html = client.get("/requests").get_data(as_text=True)
    else:
        data, content_type = multipart({"csrf_token": page_token(client, f"/requests/{ref}"),
                                        "body": PAYLOADS["reply"], "preview": "1"})
        html = client.post(f"/requests/{ref}/reply", data=data,
                           content_type=content_type).get_data(as_text=True)
    assert live_markup(html) == []
    assert "&lt;script&gt;alert(" in html


def test_each_hostile_value_appears_escaped_on_the_request_page(app, client):
    ref = hostile_request(app, client)
    html = client.get(f"/requests/{ref}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;summary&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(" in html
    assert "&#34;&gt;&lt;svg onload=alert(&#34;field&#34;)&gt;" in html
    assert "&lt;img src=x onerror=alert(&#34;file&#34;)&gt;.txt" in html
    assert "<a>click</a>" in html or ">click<" in html  # the javascript: link lost its href


def test_hostile_text_is_escaped_in_html_mail(app, client):
    make_user(app, "agent@example.com", role="agent")
    hostile_request(app, client)
    for row in outbox(app):
        assert live_markup(row.body_html or "") == [], row.subject


# --- enumeration ------------------------------------------------------------------------------

def normalized(response, email):
    html = response.get_data(as_text=True).replace(email, "EMAIL")
    return response.status_code, re.sub(r'value="[^"]{20,}"', 'value="TOKEN"', html)


def answer(client, url, data):
    response = post(client, url, data)
    follow = client.get(response.headers["Location"]) if response.status_code == 303 else response
    return response.status_code, response.headers.get("Location"), normalized(follow, data["email"])


def test_link_sign_in_answers_the_same_for_known_and_unknown_addresses(app):
    make_user(app, "known@example.com", password=PASSWORD)
    known = answer(app.test_client(), "/login", {"email": "known@example.com"})
    unknown = answer(app.test_client(), "/login", {"email": "unknown@example.com"})
    assert known == unknown


def test_a_wrong_password_answers_like_an_unknown_address(app):
    make_user(app, "known@example.com", password=PASSWORD)
    make_user(app, "linkonly@example.com")
    answers = [answer(app.test_client(), "/login", {"email": email, "password": "wrong password 1"})
               for email in ("known@example.com", "linkonly@example.com", "unknown@example.com")]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 400


def test_registration_answers_the_same_whether_the_address_is_taken(app):
    make_user(app, "taken@example.com")
    make_user(app, "pending@example.com", verified=False)
    data = lambda email: {"email": email, "password": PASSWORD, "confirm": PASSWORD}  # noqa
    answers = [answer(app.test_client(), "/register", data(email))
               for email in ("taken@example.com", "pending@example.com", "free@example.com")]
    assert answers[0] == answers[1] == answers[2]


def test_reset_answers_the_same_for_known_and_unknown_addresses(app):
    make_user(app, "known@example.com", password=PASSWORD)
    known = answer(app.test_client(), "/reset", {"email": "known@example.com"})
    unknown = answer(app.test_client(), "/reset", {"email": "unknown@example.com"})
    assert known == unknown


def test_every_address_gets_one_mail_so_the_work_done_is_the_same(app):
    make_user(app, "known@example.com", password=PASSWORD)
    for email in ("known@example.com", "unknown@example.com"):
        post(app.test_client(), "/reset", {"email": email})
        post(app.test_client(), "/register", {"email": email, "password": PASSWORD,
                                              "confirm": PASSWORD})
    assert sorted(len(outbox(app, e)) for e in ("known@example.com", "unknown@example.com")) \
        == [2, 2]


# --- type confusion -----------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/login", "/reset", "/register"])
def test_an_email_sent_as_a_list_is_refused_cleanly(app, client, url):
    response = post(client, url, {"email[]": "ann@example.com", "password": PASSWORD,
                                  "confirm": PASSWORD})
    assert response.status_code == 400 and "Enter your email address" in response.get_data(
        as_text=True)
    assert outbox(app) == []


def test_two_email_values_use_only_the_first(app, client):
    token = page_token(client)
    client.post("/login", data={"email": ["ann@example.com", "evil@example.com"],
                                "csrf_token": token})
    assert [m.to for m in outbox(app)] == ["ann@example.com"]


@pytest.mark.parametrize("url,field", [("/login", "email"), ("/login", "password"),
                                       ("/register", "email"), ("/register", "password"),
                                       ("/reset", "email")])
def test_very_long_values_are_refused_with_a_message(app, client, url, field):
    data = {"email": "ann@example.com", "password": PASSWORD, "confirm": PASSWORD}
    data[field] = ("a" * 100_000) + ("@example.com" if field == "email" else "")
    if url == "/register" and field == "password":
        data["confirm"] = data["password"]
    response = post(client, url, data)
    assert response.status_code == 400 and "too long" in response.get_data(as_text=True)
    assert outbox(app) == [] and get_user(app, "ann@example.com") is None


def test_odd_tokens_are_refused_cleanly(client):
    for url in ("/login/link", "/reset/confirm", "/register/verify", "/account/email/confirm"):
        assert client.get(url, query_string={"token": "x" * 50_000}).status_code == 400
        assert client.get(url + "?token[]=abc").status_code == 400
        assert client.get(url).status_code == 400
    assert post(client, "/login/link", {"token[]": "abc"}).status_code == 400


def test_odd_references_and_list_parameters_answer_404_or_a_page(app, client):
    sign_in(client, app, "ann@example.com")
    assert client.get("/requests/HD-" + "9" * 40).status_code == 404
    assert client.get("/requests/HD-999999999999").status_code == 404
    assert client.get("/requests/HD-0").status_code == 404
    assert client.get("/requests/%00").status_code == 404
    odd = "/requests?page[]=2&q[]=x&sort[]=created&q=" + "z" * 10_000
    assert client.get(odd).status_code == 200


def test_a_very_long_reply_is_refused_and_kept(app, client):
    ref = file_request(app)
    sign_in(client, app, "ann@example.com")
    data, content_type = multipart({"csrf_token": page_token(client, f"/requests/{ref}"),
                                    "body": "b" * 20_001})
    response = client.post(f"/requests/{ref}/reply", data=data, content_type=content_type)
    assert response.status_code == 400 and "b" * 20_001 in response.get_data(as_text=True)


# --- mass assignment ----------------------------------------------------------------------------

def test_registration_ignores_role_and_verification_fields(app, client):
    post(client, "/register", {"email": "ann@example.com", "password": PASSWORD,
                               "confirm": PASSWORD, "role": "agent", "email_verified": "1",
                               "email_verified_at": "2020-01-01", "is_active": "1",
                               "session_version": "99", "id": "1"})
    user = get_user(app, "ann@example.com")
    assert user.role == "requester" and not user.is_verified and user.session_version == 0


def test_sign_in_by_link_ignores_a_posted_role(app, client):
    request_link(client, "ann@example.com")
    link = last_link(app, "ann@example.com", "/login/link")
    post(client, "/login/link", {"token": token_of(link), "role": "admin", "is_agent": "1"},
         token_from=link)
    assert get_user(app, "ann@example.com").role == "requester"


def test_a_reply_ignores_internal_author_and_status_fields(app, client):
    ref = file_request(app)
    sign_in(client, app, "ann@example.com")
    data, content_type = multipart({"csrf_token": page_token(client, f"/requests/{ref}"),
                                    "body": "hello", "internal": "1", "status": "closed",
                                    "author_email": "agent@example.com", "author_id": "1",
                                    "ticket_id": "2"})
    client.post(f"/requests/{ref}/reply", data=data, content_type=content_type)
    found = ticket(app, ref)
    message = found.messages[-1]
    assert not message.internal and message.author_email == "ann@example.com"
    assert found.status == "open"


def test_the_request_form_ignores_status_owner_and_assignee_fields(app, client):
    make_user(app, "agent@example.com", role="agent")
    ref = ref_from(post_request(client, status="closed", requester_id="1", assignee_id="1",
                                priority="urgent", channel="email"))
    found = ticket(app, ref)
    assert (found.status, found.requester_id, found.assignee_id, found.priority,
            found.channel) == ("open", None, None, "normal", "web")
