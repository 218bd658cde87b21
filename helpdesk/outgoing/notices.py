"""The mails a request sends, rendered from templates/mail/ (plain text and HTML)."""

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select

from .. import access, locales
from ..emails import normalize_email
from ..extensions import db
from ..models import MailReference, Message, User
from . import reply_tokens
from .outbox import header_text, mail_domain, queue_mail


def subject_for(ticket, text):
    """"[HD-1042] text": the tag threads replies and lets people search their mail."""
    return header_text(f"[{ticket.ref}] {text}", 400)


def thread_headers(ticket, audience=None):
    """The headers that let a reply find `ticket` (see outgoing/reply_tokens.py).

    A Message-ID of ours carrying a signed reply token (recorded in MailReference, in the
    caller's transaction), Reply-To `support+<token>@...` when SUPPORT_ADDRESS is set, and
    In-Reply-To/References so mail programs show one conversation. `audience` is
    reply_tokens.REQUESTER (default) or reply_tokens.AGENT: only an agent token lets a mail from an
    agent's address count as an agent's reply.
    """
    token = reply_tokens.make(ticket, audience or reply_tokens.REQUESTER)
    message_id = reply_tokens.message_id(token, mail_domain())
    headers = {"Message-ID": message_id, "X-Helpdesk-Request": ticket.ref}
    references = _references(ticket)
    if references:
        headers["References"] = " ".join(f"<{r}>" for r in references)
        headers["In-Reply-To"] = f"<{references[-1]}>"
    support = _plain_address(current_app.config.get("SUPPORT_ADDRESS"))
    if support:
        headers["Reply-To"] = reply_tokens.reply_address(support, token)
    db.session.add(MailReference(message_id=message_id.strip("<>")[:255], ticket_id=ticket.id))
    return headers


def _references(ticket):
    """The thread so far: the requester's first mail (or our first notice), then the
    newest mail we received on the request."""
    received = list(db.session.execute(
        select(Message.mail_message_id).where(Message.ticket_id == ticket.id,
                                              Message.source == "email",
                                              Message.mail_message_id.is_not(None))
        .order_by(Message.id)).scalars()) if ticket.id else []
    first_sent = db.session.execute(
        select(MailReference.message_id).where(MailReference.ticket_id == ticket.id)
        .order_by(MailReference.id).limit(1)).scalar_one_or_none() if ticket.id else None
    chain = [received[0] if received else first_sent, received[-1] if received else None]
    found = []
    for message_id in chain:
        clean = header_text(message_id or "", 250).strip("<>")
        if clean and " " not in clean and clean not in found:
            found.append(clean)
    return found


def _plain_address(value):
    """"Support <support@example.com>" or "support@example.com" -> the address."""
    value = header_text(value or "", 254)
    if "<" in value and ">" in value:
        value = value[value.rindex("<") + 1:value.rindex(">")]
    return value.strip() if "@" in value else None


def audience_for(to):
    """Agents when every recipient is an agent (or the agents' notify address)."""
    recipients = [to] if isinstance(to, str) else list(to)
    emails = {(_plain_address(r) or "").lower() for r in recipients} - {""}
    if not emails:
        return reply_tokens.REQUESTER
    configured = {(_plain_address(a) or "").lower() for a in
                  str(current_app.config.get("AGENT_NOTIFY_ADDRESS") or "").split(",")}
    agents = set(db.session.execute(
        select(User.email).where(User.email.in_(emails), *access.staff_condition())).scalars())
    return reply_tokens.AGENT if emails <= (agents | configured) else reply_tokens.REQUESTER


def queue_notice(ticket, template, to, subject, in_language=None, **context):
    """Render templates/mail/<template>.txt and .html and queue them for `to`, each
    recipient in their language (see `languages_for`): one mail per language.

    `subject` may be a lazy string (lazy_gettext): it is read in each mail's language.
    `in_language(code)`, when given, returns the context that depends on the language
    (texts the site writes per language, such as its request types), merged in per mail.
    """
    context = dict(context, ticket=ticket, site_name=current_app.config["SITE_NAME"])
    queued = None
    for code, recipients in languages_for(ticket, to).items():
        if in_language is not None:
            context.update(in_language(code))
        with force_locale(code):
            queued = queue_mail(
                recipients if len(recipients) > 1 else recipients[0],
                subject_for(ticket, str(subject)),
                render_template(f"mail/{template}.txt", **context),
                render_template(f"mail/{template}.html", **context),
                headers=thread_headers(ticket, audience_for(recipients)), ticket_id=ticket.id)
    return queued


def queue_personal(to, subject, template, html=True, **context):
    """Queue mail that belongs to no request (an invitation, a paused webhook) for `to`,
    each recipient in the language saved on their account, else the default: the person
    who caused it (an admin's page, a worker) may read another language.

    `subject` should be a lazy string (lazy_gettext), read in each mail's language.
    """
    queued = None
    for code, recipients in languages_for(None, to).items():
        with force_locale(code):
            queued = queue_mail(
                recipients if len(recipients) > 1 else recipients[0], str(subject),
                render_template(f"mail/{template}.txt", **context),
                render_template(f"mail/{template}.html", **context) if html else None)
    return queued


def languages_for(ticket, to):
    """{language: [recipients]}, in the order given: the requester reads the request's own
    language; anyone else (agents) the language saved on their account; else the default."""
    recipients = [to] if isinstance(to, str) else list(to)
    default = locales.default()
    saved = dict(db.session.execute(
        select(User.email, User.locale).where(User.email.in_(
            {normalize_email(_plain_address(r) or r) for r in recipients}),
            User.locale.is_not(None))).all()) if recipients else {}
    groups = {}
    for recipient in recipients:
        email = normalize_email(_plain_address(recipient) or recipient)
        if ticket is not None and email == normalize_email(ticket.requester_email):
            code = locales.pick(ticket.locale)
        else:
            code = locales.pick(saved.get(email))
        groups.setdefault(code or default, []).append(recipient)
    return groups


def agent_recipients():
    """AGENT_NOTIFY_ADDRESS when set, else every staff member (helpdesk.access)."""
    configured = current_app.config.get("AGENT_NOTIFY_ADDRESS")
    if configured:
        return [a.strip() for a in str(configured).split(",") if a.strip()]
    return list(db.session.execute(
        select(User.email).where(*access.staff_condition()).order_by(User.id)).scalars())
