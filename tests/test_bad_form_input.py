"""Forms fed what no browser sends: huge values, JSON bodies, files in text fields, hidden
fields far longer than the page set. Each gets a clear answer, quickly, and nothing saved."""

import importlib
import json
import pkgutil

from accounts import file_request, outbox, page_token, post, ticket
from desk import reply, signed_in
from filing import (
    PNG,
    TECH,
    form_page,
    hidden_fields,
    multipart,
    post_request,
    ref_from,
)
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.csrf.core import CSRFTokenField

import helpdesk
from helpdesk.extensions import db
from helpdesk.models import Ticket

FORM_TOO_BIG = "more text than this site accepts"


def count_requests(app):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Ticket.id)))


# --- bodies too big to read ---------------------------------------------------------------

def test_a_huge_urlencoded_email_is_refused_before_it_is_read(app, client):
    response = post(client, "/login", {"email": "a" * 2_000_000 + "@example.com"})
    assert response.status_code == 413
    assert FORM_TOO_BIG in response.get_data(as_text=True)
    assert outbox(app) == []


def test_a_huge_text_field_in_a_multipart_form_is_refused_with_the_text_limit(app, client):
    response = post_request(client, description="d" * 1_000_000)
    assert response.status_code == 413
    assert FORM_TOO_BIG in response.get_data(as_text=True)
    assert count_requests(app) == 0


def test_a_form_with_hundreds_of_parts_is_refused(app, client):
    extra = {f"field{n}": "x" for n in range(500)}
    response = post_request(client, **extra)
    assert response.status_code == 413
    assert count_requests(app) == 0


def test_a_file_larger_than_the_text_limit_still_uploads(app, client):
    big_log = b"line of a log file\n" * 60_000  # 1.1 MB, more than a text field may hold
    response = post_request(client, files=[("server.log", big_log)])
    filed = ticket(app, ref_from(response))
    assert [(a.original_name, a.size) for a in filed.attachments] == [
        ("server.log", len(big_log))]


# --- one message for a value that is too long ----------------------------------------------

def test_a_too_long_email_gets_only_the_length_message(client):
    response = post(client, "/login", {"email": "a" * 100_000 + "@example.com"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This email address is too long." in page
    assert "Enter a valid email address" not in page


def every_form_class(app):
    """Every form class of the app, with the request form built for each request type."""
    for module in pkgutil.walk_packages(helpdesk.__path__, "helpdesk."):
        importlib.import_module(module.name)
    found, todo = set(), list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("helpdesk."):
            found.add(cls)
    from helpdesk.tickets.forms import form_class
    found.update(form_class(t) for t in app.extensions["helpdesk.request_types"].values())
    return sorted(found, key=lambda c: (c.__module__, c.__name__))


def text_fields(app, cls):
    with app.test_request_context():
        return [f.name for f in cls() if isinstance(f, StringField)
                and not isinstance(f, CSRFTokenField)]


def huge_value(app, cls, name):
    with app.test_request_context():
        field_type = type(cls()[name]).__name__
    core = "x" * 300_000  # under MAX_FORM_MEMORY_SIZE: it reaches the validators
    return core + "@example.com" if field_type == "EmailField" else core


def test_the_app_has_the_forms_this_test_walks(app):
    names = {c.__name__ for c in every_form_class(app)}
    assert {"SignInForm", "RegisterForm", "ReplyForm", "AgentReplyForm", "RateForm"} <= names
    assert sum(1 for n in names if n.startswith("RequestForm_")) >= 3


def test_every_text_field_of_every_form_refuses_a_huge_value_with_one_message(app):
    checked = []
    for cls in every_form_class(app):
        for name in text_fields(app, cls):
            data = {name: huge_value(app, cls, name)}
            with app.test_request_context("/", method="POST", data=data):
                form = cls()
                assert not form.validate(), (cls.__name__, name)
                assert len(form[name].errors) == 1, (cls.__name__, name, form[name].errors)
            checked.append((cls.__name__, name))
    assert ("SignInForm", "next") in checked and ("AgentReplyForm", "seen") in checked


# --- type confusion: JSON bodies and files in text fields -------------------------------------

def test_a_json_body_on_the_sign_in_form_is_refused_cleanly(app, client):
    response = client.post("/login", data=json.dumps({"email": {"$ne": ""}}),
                           content_type="application/json",
                           headers={"X-CSRFToken": page_token(client)})
    assert response.status_code == 400
    assert "not JSON" in response.get_data(as_text=True)
    assert outbox(app) == []


def test_a_json_body_on_the_request_form_is_refused_and_nothing_is_filed(app, client):
    hidden = hidden_fields(form_page(client))
    body = {**hidden, "email": "ann@example.com", "summary": {"$gt": ""},
            "description": "It fails.", "application": "web"}
    response = client.post(f"/requests/new/{TECH}", data=json.dumps(body),
                           content_type="application/json")
    assert response.status_code == 400
    assert "not JSON" in response.get_data(as_text=True)
    assert count_requests(app) == 0


def test_a_file_sent_as_the_summary_is_refused_and_the_description_kept(app, client):
    hidden = hidden_fields(form_page(client))
    fields = {**hidden, "email": "ann@example.com", "description": "Please keep this text",
              "application": "web"}
    body, content_type = multipart(fields)
    file_part = (b'--' + content_type.split("boundary=")[1].encode()
                 + b'\r\nContent-Disposition: form-data; name="summary"; filename="s.png"'
                 b'\r\nContent-Type: image/png\r\n\r\n' + PNG + b"\r\n")
    response = client.post(f"/requests/new/{TECH}", data=file_part + body,
                           content_type=content_type)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This field takes text" in page and "Please keep this text" in page
    assert count_requests(app) == 0


# --- hidden fields longer than the page set -----------------------------------------------------

def test_a_very_long_submission_token_is_refused_and_the_form_kept(app, client):
    hidden = hidden_fields(form_page(client))
    hidden["submission_token"] = "t" * 5_000
    response = post_request(client, hidden=hidden, description="Please keep this text")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "changed or damaged" in page and "Please keep this text" in page
    assert count_requests(app) == 0
    again = {**hidden_fields(page), "csrf_token": hidden["csrf_token"]}
    assert len(again["submission_token"]) < 100
    assert ref_from(post_request(client, hidden=again))


def test_a_very_long_seen_marker_keeps_the_agents_draft_and_sends_nothing(app):
    agent = signed_in(app)
    ref = file_request(app)
    response = reply(agent, ref, "My careful answer", seen="1-" + "9" * 5_000)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "changed or damaged" in page and "My careful answer" in page
    assert len(ticket(app, ref).messages) == 1


def test_a_very_long_next_address_on_sign_in_is_refused_and_no_link_is_sent(app, client):
    response = post(client, "/login", {"email": "ann@example.com", "next": "/" + "n" * 5_000})
    assert response.status_code == 400
    assert "changed or damaged" in response.get_data(as_text=True)
    assert outbox(app) == []
