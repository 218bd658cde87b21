"""An agent's reply carries its own status choice ("Send reply and set the status to ...")."""

import re

from accounts import file_request, outbox, ticket
from desk import page, reply, send, signed_in


def chosen_status(html):
    select = re.search(r'<select[^>]*name="then_status".*?</select>', html, re.S).group(0)
    return re.search(r'<option selected value="([^"]+)"|<option value="([^"]+)" selected',
                     select).group(0)


def test_the_reply_form_offers_its_own_status_next_to_send(app):
    client = signed_in(app)
    ref = file_request(app)
    html = page(client, f"/agent/requests/{ref}")
    assert '<label class="inline-label" for="then_status">and set the status to</label>' in html
    assert "waiting_customer" in chosen_status(html)


def test_send_and_mark_resolved_resolves_the_request(app):
    client = signed_in(app)
    ref = file_request(app)
    response = reply(client, ref, "Fixed on our side.", then_status="resolved")
    assert response.status_code == 303
    assert ticket(app, ref).status == "resolved"
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The status is now “Resolved”." in follow


def test_a_resolving_reply_is_one_mail_with_the_rating_link(app):
    client = signed_in(app)
    ref = file_request(app)
    reply(client, ref, "Fixed on our side.", then_status="resolved")
    mails = outbox(app, "ann@example.com")
    assert not [m for m in mails if "Resolved:" in m.subject]
    (mail,) = [m for m in mails if "Re:" in m.subject]
    assert "Fixed on our side." in mail.body_text
    assert re.search(rf"Rate our help.*\n\S+/requests/{ref}\?t=\S+#rate", mail.body_text)


def test_a_reply_keeps_a_resolved_request_resolved_unless_the_agent_chooses(app):
    client = signed_in(app)
    ref = file_request(app)
    send(client, f"/agent/requests/{ref}/update", {"status": "resolved"})
    assert "resolved" in chosen_status(page(client, f"/agent/requests/{ref}"))
    reply(client, ref, "One more thing: the fix is in version 3.2.", then_status="resolved")
    assert ticket(app, ref).status == "resolved"


def test_a_plain_reply_still_waits_for_the_customer(app):
    client = signed_in(app)
    ref = file_request(app)
    reply(client, ref, "Could you send a screenshot?")
    assert ticket(app, ref).status == "waiting_customer"


def test_a_status_outside_the_list_is_refused_and_the_draft_kept(app):
    client = signed_in(app)
    ref = file_request(app)
    response = reply(client, ref, "My careful answer", then_status="spam")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Choose a status from the list." in html and "My careful answer" in html
    assert ticket(app, ref).status == "open" and len(ticket(app, ref).messages) == 1


def test_an_internal_note_ignores_the_reply_status(app):
    client = signed_in(app)
    ref = file_request(app)
    reply(client, ref, "Checking with billing.", action="note", then_status="resolved")
    assert ticket(app, ref).status == "open"
