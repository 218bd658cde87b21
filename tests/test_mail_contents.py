"""What a request keeps of a mail: text from HTML, forwarded mail, inline images."""

import email
import io
from email.message import EmailMessage
from email.policy import default

import pytest
from inbound import MAIL_SETTINGS, build, take, tickets


def png():
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def app(make_app):
    return make_app(**MAIL_SETTINGS)


def test_an_html_only_mail_becomes_a_readable_description(app):
    take(app, build(body=None, html="<p>The <b>export</b> fails.</p><script>x()</script>"))
    assert tickets(app)[0].description == "The export fails."


def test_a_forwarded_mail_is_attached_to_the_request_as_an_eml_file(app):
    inner = email.message_from_bytes(build(sender="customer@example.net",
                                           subject="Invoice 42 is wrong",
                                           body="Please check invoice 42."), policy=default)
    outer = email.message_from_bytes(build(subject="Fwd: Invoice 42 is wrong",
                                           body="Forwarding a customer's mail."), policy=default)
    outer.add_attachment(inner)
    take(app, outer.as_bytes())
    ticket = tickets(app)[0]
    assert [(a.original_name, a.content_type) for a in ticket.attachments] == [
        ("Invoice 42 is wrong.eml", "message/rfc822")]


def test_an_inline_image_is_stored_and_may_show_inline(app):
    message = EmailMessage()
    message["From"] = "ann@example.org"
    message["To"] = "support@help.example.com"
    message["Subject"] = "Screenshot"
    message.set_content("See the screenshot.")
    message.add_alternative('<p>See the screenshot.</p><img src="cid:shot@example.org">',
                            subtype="html")
    message.get_payload()[1].add_related(png(), maintype="image", subtype="png",
                                         cid="<shot@example.org>")
    take(app, message.as_bytes())
    ticket = tickets(app)[0]
    assert ticket.description == "See the screenshot."
    assert [(a.content_type, a.inline_ok) for a in ticket.attachments] == [("image/png", True)]
