"""Every route, every kind of visitor, one table.

The routes come from the app's URL map, so a route added later without a row here fails
the first test. Each visitor kind gets its own app (their requests change data); within
it every route is called once, reading routes first and the ones that end the visit
(sign-out, deleting, erasing) last. An answer is one of:

- "ok": the page or action was served (a form error or a spent link counts: what is
  checked here is who may reach the route, not what they sent);
- "login": sent to sign in;
- "404": the route does not exist for them (the same answer as for a missing request);
- "403": an agent on an admin page;
- "401": an API call that needs a token. The visitors here are browsers with cookies,
  which the API never accepts; tests/test_api_*.py check each kind of token.
"""

import re

import pytest
from accounts import make_user, page_token, sign_in, sign_in_with_password
from filing import PNG, post_request, ref_from
from inbound import MAIL_SETTINGS, build

from helpdesk.extensions import db
from helpdesk.inbound import kept
from helpdesk.inbound.ingest import ingest
from helpdesk.models import InboundMail, SavedReply, Ticket, User, Webhook
from helpdesk.tickets import links

KINDS = ("anonymous", "filer", "unverified", "owner", "link_holder", "other_requester",
         "agent", "deactivated_agent", "admin")

OK = "ok"
PUBLIC = dict.fromkeys(KINDS, OK)
SIGNED_IN = {**PUBLIC, "anonymous": "login", "filer": "login", "link_holder": "login",
             "deactivated_agent": "login"}
READERS = {**dict.fromkeys(KINDS, "404"), "owner": OK, "link_holder": OK, "agent": OK,
           "admin": OK}
REQUESTER = {**dict.fromkeys(KINDS, "404"), "owner": OK, "link_holder": OK}
FILER_ONLY = {**dict.fromkeys(KINDS, "404"), "filer": OK}
DESK = {**dict.fromkeys(KINDS, "404"), "anonymous": "login", "filer": "login",
        "link_holder": "login", "deactivated_agent": "login", "agent": OK, "admin": OK}
ADMIN = {**DESK, "agent": "403"}
NOBODY = dict.fromkeys(KINDS, "404")
TOKEN_ONLY = dict.fromkeys(KINDS, "401")

# (method, endpoint) -> who gets what. GET and POST of one route may differ.
TABLE = {
    ("GET", "kb.home"): PUBLIC, ("GET", "kb.categories"): PUBLIC, ("GET", "kb.article"): PUBLIC,
    ("POST", "kb.vote"): PUBLIC, ("GET", "kb.search"): PUBLIC, ("GET", "kb.suggest"): PUBLIC,
    ("GET", "language.switch"): PUBLIC, ("POST", "language.save"): SIGNED_IN,
    ("GET", "static"): PUBLIC, ("GET", "favicon"): PUBLIC, ("GET", "health.healthz"): PUBLIC,
    ("GET", "mail_dev.outbox"): NOBODY, ("GET", "mail_dev.mail_html"): NOBODY,  # debug only
    ("GET", "auth.login"): PUBLIC, ("POST", "auth.login"): PUBLIC,
    ("GET", "auth.link_sent"): PUBLIC, ("GET", "auth.confirm_link"): PUBLIC,
    ("POST", "auth.use_link"): PUBLIC,
    ("GET", "auth.register"): PUBLIC, ("POST", "auth.register"): PUBLIC,
    ("GET", "auth.register_sent"): PUBLIC,
    ("GET", "auth.verify"): PUBLIC, ("POST", "auth.verify"): PUBLIC,
    ("GET", "auth.reset"): PUBLIC, ("POST", "auth.reset"): PUBLIC,
    ("GET", "auth.reset_sent"): PUBLIC,
    ("GET", "auth.reset_confirm"): PUBLIC, ("POST", "auth.reset_confirm"): PUBLIC,
    ("GET", "auth.confirm_email"): PUBLIC, ("POST", "auth.confirm_email"): PUBLIC,
    ("GET", "auth.logout"): PUBLIC, ("POST", "auth.logout"): PUBLIC,
    ("GET", "auth.account"): SIGNED_IN, ("POST", "auth.change_email"): SIGNED_IN,
    ("POST", "auth.change_name"): SIGNED_IN,
    ("POST", "auth.resend_verification"): SIGNED_IN, ("POST", "auth.end_all_sessions"): SIGNED_IN,
    ("GET", "tickets.choose"): PUBLIC, ("GET", "tickets.new"): PUBLIC,
    ("POST", "tickets.new"): PUBLIC, ("GET", "tickets.suggest"): PUBLIC,
    ("GET", "tickets.email_check"): PUBLIC,
    ("GET", "tickets.open_suggestion"): PUBLIC, ("POST", "tickets.solved"): PUBLIC,
    ("GET", "tickets.solved_page"): PUBLIC,
    ("GET", "tickets.my_requests"): SIGNED_IN,
    ("GET", "tickets.sent"): FILER_ONLY,
    ("GET", "tickets.view"): READERS, ("GET", "tickets.attachment"): READERS,
    ("POST", "tickets.reply"): REQUESTER, ("POST", "tickets.solve"): REQUESTER,
    ("POST", "tickets.reopen"): REQUESTER, ("POST", "tickets.rate"): REQUESTER,
    ("GET", "agent.queue_page"): DESK, ("POST", "agent.bulk"): DESK,
    ("GET", "agent.request_page"): DESK, ("POST", "agent.reply"): DESK,
    ("POST", "agent.update"): DESK, ("POST", "agent.mark_spam"): DESK,
    ("POST", "agent.not_spam"): DESK, ("GET", "agent.kb_search"): DESK,
    ("GET", "agent.insights_page"): DESK, ("GET", "agent.insights_csv"): DESK,
    ("GET", "agent.requester_page"): DESK, ("POST", "agent.block"): DESK,
    ("POST", "agent.unblock"): DESK, ("GET", "agent.blocked_page"): DESK,
    ("GET", "agent.original"): DESK,
    ("GET", "agent.kept_list"): ADMIN, ("POST", "agent.kept_retry"): ADMIN,
    ("GET", "agent.people_page"): ADMIN, ("POST", "agent.invite"): ADMIN,
    ("POST", "agent.change_role"): ADMIN, ("POST", "agent.change_active"): ADMIN,
    ("POST", "agent.change_name"): ADMIN,
    ("GET", "agent.export"): ADMIN, ("POST", "agent.erase"): ADMIN,
    ("GET", "agent.delete"): ADMIN, ("POST", "agent.delete"): ADMIN,
    ("GET", "agent.saved_replies"): ADMIN, ("POST", "agent.saved_replies"): ADMIN,
    ("GET", "agent.edit_saved_reply"): ADMIN, ("POST", "agent.edit_saved_reply"): ADMIN,
    ("POST", "agent.delete_saved_reply"): ADMIN,
    ("GET", "agent.webhooks_page"): ADMIN, ("POST", "agent.webhooks_page"): ADMIN,
    ("POST", "agent.pause_webhook"): ADMIN, ("POST", "agent.delete_webhook"): ADMIN,
    ("POST", "auth.new_token"): SIGNED_IN, ("POST", "auth.revoke_token"): SIGNED_IN,
    # The JSON API: a token or nothing (signing in for one, and its description, are public).
    ("POST", "api.send_code"): PUBLIC, ("POST", "api.exchange_code"): PUBLIC,
    ("GET", "api-docs.openapi_json"): PUBLIC, ("GET", "api_pages.reference"): PUBLIC,
    **{(m, "api_pages.unknown"): NOBODY for m in ("GET", "POST", "PUT", "PATCH", "DELETE")},
    **{key: TOKEN_ONLY for key in [
        ("GET", "api.me"), ("DELETE", "api.revoke_current"), ("GET", "api.list_types"),
        ("GET", "api.list_requests"), ("POST", "api.new_request"),
        ("GET", "api.read_request"), ("POST", "api.reply"), ("POST", "api.solve"),
        ("POST", "api.reopen"), ("POST", "api.rate"), ("GET", "api.download"),
        ("GET", "api.search_articles"), ("GET", "api.suggest_articles"),
        ("GET", "api.read_article"), ("GET", "api.queue_list"), ("POST", "api.on_behalf"),
        ("GET", "api.desk_request"), ("POST", "api.desk_message"),
        ("PATCH", "api.desk_update")]},
}
LAST = ("agent.erase", "agent.delete", "agent.delete_saved_reply", "agent.delete_webhook",
        "agent.change_active", "agent.change_role", "auth.end_all_sessions", "auth.logout")
PASSWORD = "a long enough password"


def routes(app):
    """(method, endpoint, rule) for every route, ending ones last."""
    found = [(method, rule.endpoint, rule) for rule in app.url_map.iter_rules()
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(found, key=lambda r: (r[1] in LAST, LAST.index(r[1]) if r[1] in LAST else 0,
                                        r[0] == "POST", r[2].rule))


def world(app):
    """The things routes point at: a request filed by the `filer` browser for the owner's
    address (with a file), a mailed request, a kept mail, a saved reply, people."""
    make_user(app, "owner@example.com")
    make_user(app, "other@example.com")
    make_user(app, "unverified@example.com", verified=False, password=PASSWORD)
    make_user(app, "agent@example.com", role="agent")
    make_user(app, "admin@example.com", role="admin")
    filer = app.test_client()
    ref = ref_from(post_request(filer, email="owner@example.com", files=[("shot.png", PNG)]))
    with app.test_request_context():
        app.config.update(MAIL_SETTINGS)
        ingest(build(sender="mailer@example.org", subject="Printing fails"))
        kept_name = kept.keep(b"Subject: broken\r\n\r\nnot a mail", "test", "pipe", "", "")
        db.session.add(SavedReply(title="Thanks", body="Thank you, {name}."))
        db.session.add(Webhook(url="https://hooks.example.com/in", events=["request.created"],
                               secret="s", failures=0))
        db.session.commit()
        ticket = Ticket.by_ref(ref)
        values = {"ref": ref, "public_id": ticket.attachments[0].public_id,
                  "filename": ticket.attachments[0].original_name,
                  "user_id": str(db.session.execute(db.select(User.id).where(
                      User.email == "agent@example.com")).scalar_one()),
                  "reply_id": str(db.session.execute(db.select(SavedReply.id)).scalar_one()),
                  "message_id": str(db.session.execute(db.select(InboundMail.message_id)
                                                       .where(InboundMail.message_id
                                                              .is_not(None))).scalar()),
                  "name": kept_name, "slug": "technical-support",
                  "path": "account/passwords",
                  "link": links.view_token(ticket)}
    return filer, values


def visitor(app, kind, filer, values):
    if kind == "filer":
        return filer
    client = app.test_client()
    if kind == "unverified":
        sign_in_with_password(client, "unverified@example.com", PASSWORD)
    elif kind == "owner":
        sign_in(client, app, "owner@example.com")
    elif kind == "link_holder":
        assert client.get(f"/requests/{values['ref']}?t={values['link']}").status_code == 200
    elif kind == "other_requester":
        sign_in(client, app, "other@example.com")
    elif kind in ("agent", "deactivated_agent"):
        sign_in(client, app, "agent@example.com")
        if kind == "deactivated_agent":
            with app.test_request_context():
                from helpdesk.agent import people
                people.set_active(people.by_email("agent@example.com"), False)
    elif kind == "admin":
        sign_in(client, app, "admin@example.com")
    return client


OWN_VALUES = {"static": {"filename": "style.css"}, "mail_dev.mail_html": {"mail_id": "1"},
              "auth.revoke_token": {"token_id": "1"}, "api_pages.unknown": {"anything": "x"},
              "agent.pause_webhook": {"hook_id": "1"}, "agent.delete_webhook": {"hook_id": "1"},
              "tickets.open_suggestion": {"slug": "account/passwords"},
              "language.switch": {"code": "fr"}}


QUERIES = {"agent.insights_csv": "?table=funnel"}


def url_for_rule(rule, values):
    url = rule.rule
    for name in rule.arguments:
        value = OWN_VALUES.get(rule.endpoint, {}).get(name, values.get(name))
        url = re.sub(rf"<(?:[a-z]+:)?{name}>", value, url)
    return url + QUERIES.get(rule.endpoint, "")


def answer(response):
    location = response.headers.get("Location", "")
    if response.status_code in (302, 303) and re.match(r"/login(\?|$)", location):
        return "login"
    if response.status_code in (401, 403, 404):
        return str(response.status_code)
    assert response.status_code < 500, response.status_code
    return OK


def test_every_route_has_a_row(app):
    missing = {(m, e) for m, e, _ in routes(app)} - set(TABLE)
    assert not missing, f"add these routes to TABLE: {sorted(missing)}"


@pytest.mark.parametrize("kind", KINDS)
def test_every_route_answers_each_visitor_as_the_table_says(app, kind):
    filer, values = world(app)
    client = visitor(app, kind, filer, values)
    wrong = []
    for method, endpoint, rule in routes(app):
        url = url_for_rule(rule, values)
        if method == "GET":
            response = client.get(url)
        else:
            token = page_token(client, "/login")
            response = client.open(url, method=method,
                                   data={"csrf_token": token, "email": "x@example.com"})
        got, expected = answer(response), TABLE[(method, endpoint)][kind]
        response.close()  # downloads and static files are streamed
        if got != expected:
            wrong.append(f"{method} {url}: {got}, expected {expected}")
    assert not wrong, "\n".join(wrong)
