"""The whole story over real SMTP: the mobile app's "Contact support" mail becomes a
request, an agent answers, the requester answers that mail from their inbox, and the
answer lands on the same request."""

from accounts import make_user
from inbound import MAIL_SETTINGS, SUPPORT, build, parse_sent, proven, reply_to, tickets

from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.outgoing.outbox import send_pending
from helpdesk.tickets import conversation

APP_MAIL = """The app closes as soon as I open Settings.

--
App version: 3.2.1
OS: Android 14
Device: Pixel 7
"""


def deliver(app):
    with app.app_context():
        send_pending()


def received(smtp_server, to):
    return [parse_sent(e) for e in smtp_server.envelopes if to in e.rcpt_tos]


def test_app_mail_to_request_agent_reply_and_the_requesters_answer_by_mail(make_app, smtp_server):
    app = make_app(**smtp_server.config(), **MAIL_SETTINGS)
    make_user(app, "agent@help.example.com", role="agent")
    runner = app.test_cli_runner()

    # 1. The app's "Contact support" mail arrives through the MTA pipe.
    result = runner.invoke(args=["mail", "ingest"], input=build(
        sender="Ann <ann@example.org>", to=SUPPORT, subject="App closes in Settings",
        body=APP_MAIL))
    assert result.exit_code == 0 and "HD-1001" in result.output
    deliver(app)
    confirmation = received(smtp_server, "ann@example.org")[-1]
    assert "[HD-1001]" in confirmation["Subject"]
    assert received(smtp_server, "agent@help.example.com")

    # 2. An agent answers on the web (the service the agent pages use).
    with app.test_request_context():
        ticket = Ticket.by_ref("HD-1001")
        agent = db.session.execute(db.select(User).filter_by(
            email="agent@help.example.com")).scalar_one()
        conversation.add_reply(ticket, body="Please update to 3.2.2 and try again.",
                               author=agent)
    deliver(app)
    answer = received(smtp_server, "ann@example.org")[-1]
    assert "Please update to 3.2.2" in answer.get_body(("plain",)).get_content()

    # 3. Ann answers that mail from her inbox; the receiving server proved it is hers.
    result = runner.invoke(args=["mail", "ingest"], input=proven(reply_to(
        answer, sender="Ann <ann@example.org>", body="Updated, it still closes.")))
    assert result.exit_code == 0 and "reply added (HD-1001)" in result.output

    ticket = tickets(app)[0]
    assert len(tickets(app)) == 1
    assert [m.body for m in ticket.messages][-1] == "Updated, it still closes."
    assert ticket.status == "open"
    assert ticket.environment["app_version"] == "3.2.1"
    deliver(app)
    told = received(smtp_server, "agent@help.example.com")[-1]
    assert "Updated, it still closes." in told.get_body(("plain",)).get_content()
