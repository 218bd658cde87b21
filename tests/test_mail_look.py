"""How a mail reads, from a real SMTP server: the HTML part carries the site's name and a
button for its main link; the plain part of an agent's reply reads like the rendered
Markdown (no `**`, links as "title (url)")."""

import re

import pytest
from accounts import file_request, request_link
from desk import reply, signed_in

from helpdesk.outgoing.outbox import send_pending

BASE = "https://help.example.com"
ANSWER = ("Please send the log from the **exact time** it failed; "
          "see [Finding version numbers](https://help.example.com/articles/versions).\n\n"
          "- open `Help > About`\n- copy the number")


@pytest.fixture
def mail_app(make_app, smtp_server):
    return make_app(**smtp_server.config(), EXTERNAL_URL=BASE, SITE_NAME="Acme Help",
                    SUPPORT_ADDRESS="support@example.com")


def delivered(app, smtp_server):
    with app.app_context():
        send_pending()
    return smtp_server.messages


def the_reply(mail_app, smtp_server):
    ref = file_request(mail_app, summary="Export fails")
    agent = signed_in(mail_app)
    delivered(mail_app, smtp_server)
    smtp_server.envelopes.clear()
    reply(agent, ref, ANSWER)
    (mail,) = delivered(mail_app, smtp_server)
    return ref, mail


def test_the_plain_part_of_an_agents_reply_reads_without_markdown(mail_app, smtp_server):
    _, mail = the_reply(mail_app, smtp_server)
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "from the exact time it failed" in text
    assert "see Finding version numbers (https://help.example.com/articles/versions)." in text
    assert "- open Help > About\n- copy the number" in text
    assert "**" not in text and "](" not in text and "`" not in text


def test_the_html_part_of_an_agents_reply_is_rendered(mail_app, smtp_server):
    _, mail = the_reply(mail_app, smtp_server)
    html = mail.get_body(("html",)).get_content()
    assert "<strong>exact time</strong>" in html
    assert '<a href="https://help.example.com/articles/versions"' in html
    assert "<li>copy the number</li>" in html


def test_an_html_mail_carries_the_site_name_and_a_button(mail_app, smtp_server):
    ref, mail = the_reply(mail_app, smtp_server)
    html = mail.get_body(("html",)).get_content()
    assert re.search(r'class="brand">Acme Help<', html)
    button = re.search(r'<a href="([^"]+)" style="[^"]*background: #1f5fbf[^"]*">([^<]+)</a>', html)
    assert button and button.group(1).startswith(f"{BASE}/requests/{ref}?t=")
    assert button.group(2) == "See the whole conversation and answer"


def test_a_sign_in_mail_has_its_link_as_a_button(mail_app, smtp_server):
    request_link(mail_app.test_client(), "ann@example.com")
    (mail,) = delivered(mail_app, smtp_server)
    html = mail.get_body(("html",)).get_content()
    assert re.search(r'<a href="https://help\.example\.com/[^"]+" style="[^"]*background[^"]*">'
                     r"Sign in to Acme Help</a>", html)
