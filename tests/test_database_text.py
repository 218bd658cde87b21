"""Text with stray NUL characters is stored the same on SQLite and PostgreSQL."""

from filing import post_request, ref_from

from helpdesk.extensions import db
from helpdesk.models import Ticket


def test_a_request_with_nul_characters_is_filed_without_them(app, client):
    ref = ref_from(post_request(client, summary="Export\x00 fails", description="a\x00b",
                                section="Reports\x00"))
    with app.app_context():
        ticket = Ticket.by_ref(ref)
        assert (ticket.summary, ticket.description) == ("Export fails", "ab")
        assert "\x00" not in str(ticket.fields) and "\x00" not in ticket.messages[0].body


def test_text_without_nul_is_stored_unchanged(app):
    with app.app_context():
        ticket = Ticket(type="billing", requester_email="ann@example.com",
                        summary="Ünïcode — fine", description="tab\tand\nnewline", fields={})
        db.session.add(ticket)
        db.session.commit()
        assert db.session.get(Ticket, ticket.id).description == "tab\tand\nnewline"
