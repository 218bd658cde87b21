"""The ticket service: the one place that creates and changes requests.

Views, CLI commands and the inbound-mail handler call these functions; only this layer
commits and queues notifications. A new request, its first message, its attachments and
the mail that reports it are committed in one transaction; a failure anywhere removes the
files already written, so nothing half-made is left behind.
"""

import logging
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import access, events, locales
from ..emails import normalize_email
from ..extensions import db
from ..models import Attachment, BlockedSender, Message, Ticket, utcnow
from ..outgoing import notices, sender, webhooks
from ..text import clean_name
from ..urls import external_url
from . import environment, links, storage, types

log = logging.getLogger(__name__)


class TooManyFiles(ValueError):
    """More attachments than ATTACHMENT_MAX_COUNT."""


class SenderBlocked(Exception):
    """The address was blocked by an agent (spam): refuse quietly, save and send nothing."""


class AlreadyFiled(Exception):
    """This form was already sent: `ticket` is the request it made."""

    def __init__(self, ticket):
        super().__init__(ticket.ref)
        self.ticket = ticket


@dataclass
class Upload:
    """A file to attach: a readable binary stream and the name its sender gave it."""

    stream: object
    filename: str


@dataclass
class NewRequest:
    request_type: object  # types.RequestType
    email: str
    summary: str
    description: str
    fields: dict = field(default_factory=dict)
    environment: dict | None = None
    uploads: list = field(default_factory=list)
    submission_token: str | None = None
    name: str | None = None  # "Your name", optional; kept on the request
    channel: str = "web"
    user: object = None  # the signed-in User, if any
    suggestions_shown: int = 0
    mail_message_id: str | None = None
    visitor: str | None = None  # the anonymous statistics id, for the funnel events
    address_proven: bool = False
    # From mail: the whole subject (the summary may be cut), whether the sender was
    # proven, and the mail's InboundMail record, finished in the request's transaction.
    subject: str | None = None
    sender_proven: bool | None = None
    inbound: object = None
    # The web form refuses the whole request for one bad file (the person is there to fix
    # it); inbound mail cannot ask, so it sets this, keeps the rest and lists the refusals.
    skip_refused_files: bool = False
    refused: list = field(default_factory=list)  # filled: [AttachmentRefused, ...]
    # The requester's language ("fr"): the form's page, the API's `locale`, or the mail's.
    # A language the site does not offer is not kept (DEFAULT_LOCALE then applies).
    locale: str | None = None


def is_blocked(email):
    """True when requests and mail from `email` are to be refused quietly (an agent marked
    them as spam and blocked the sender)."""
    email = normalize_email(email)
    if not email:
        return False
    return db.session.execute(
        select(BlockedSender.id).where(BlockedSender.email == email[:254])).first() is not None


def with_refused(text, refused):
    """`text` followed by the list of files that could not be attached, and why."""
    if not refused:
        return text
    listing = "Files not attached:\n" + "\n".join(f"- {r.name}: {r.reason}" for r in refused)
    return (text.rstrip() + "\n\n" if (text or "").strip() else "") + listing


def find_by_token(token):
    if not token:
        return None
    return db.session.execute(
        select(Ticket).where(Ticket.submission_token == token)).scalar_one_or_none()


def open_request(new):
    """Create a request from `new`; returns the Ticket.

    Raises SenderBlocked for a blocked address (nothing is saved or sent; the caller
    answers as usual), AlreadyFiled when the submission token was used before, TooManyFiles or
    attachments.AttachmentRefused when a file cannot be accepted (nothing is saved then).
    """
    if is_blocked(new.email):
        raise SenderBlocked()
    existing = find_by_token(new.submission_token)
    if existing is not None:
        raise AlreadyFiled(existing)
    stored = []
    try:
        stored = store_uploads(new.uploads, new.skip_refused_files, new.refused)
        ticket = _create(new, stored)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        remove_stored(stored)
        existing = find_by_token(new.submission_token)
        if existing is not None:  # a double click raced us to the same token
            raise AlreadyFiled(existing) from None
        raise
    except BaseException:
        db.session.rollback()
        remove_stored(stored)
        raise

    # The reference, not the summary: statistics keep no text of the request itself.
    events.record(events.REQUEST_FILED, result_count=new.suggestions_shown, slug=ticket.ref,
                  visitor=new.visitor)
    sender.wake()
    return ticket


def _create(new, stored):
    email = normalize_email(new.email)
    requester = _requester(email, new.user)
    # Listed before the mail about the request is queued, so the mail lists them too.
    description = with_refused(new.description, new.refused)
    name = clean_name(new.name)
    if name and requester is not None and requester is new.user and not requester.display_name:
        requester.display_name = name  # their own account, signed in (anyone may type a name)
    ticket = Ticket(type=new.request_type.slug, requester_email=email,
                    requester_id=requester.id if requester else None, requester_name=name,
                    summary=" ".join(new.summary.split())[:255],
                    description=description, fields=dict(new.fields),
                    environment=new.environment or None, channel=new.channel,
                    submission_token=new.submission_token, status="open",
                    address_proven_at=utcnow() if new.address_proven else None,
                    locale=locales.pick(new.locale))
    message = Message(ticket=ticket, author_id=requester.id if requester else None,
                      author_email=email, body=description, internal=False,
                      source=new.channel, mail_message_id=new.mail_message_id,
                      subject=new.subject, sender_proven=new.sender_proven)
    db.session.add_all([ticket, message])
    for item in stored:
        db.session.add(Attachment(
            public_id=storage.public_id(), ticket=ticket, message=message,
            original_name=item.original_name, content_type=item.content_type,
            size=item.size, sha256=item.sha256, storage_key=item.storage_key,
            inline_ok=item.inline_ok))
    db.session.flush()  # the id, and so the reference, exists from here on
    webhooks.request_created(ticket)
    if new.inbound is not None:
        new.inbound.ticket_id, new.inbound.message_id = ticket.id, message.id
    _queue_filing_mail(ticket, new.request_type, new.refused)
    return ticket


def _requester(email, user):
    """The account a new request belongs to: only one whose address is proven."""
    if user is not None and access.signed_in(user) and user.is_verified and user.email == email:
        return user
    return access.proven_account(email)


def _queue_filing_mail(ticket, request_type, refused):
    link = external_url("tickets.view", ref=ticket.ref, t=links.view_token(ticket))
    # The type's name and field labels as the requester reads them (a French mail filed
    # from an English page's defaults still gets French), and each agent in their own.
    theirs = types.request_types(ticket.locale or locales.default()).get(ticket.type,
                                                                     request_type)
    context = dict(request_type=theirs, link=link, fields=field_rows(ticket, theirs),
                   environment=environment.rows(ticket.environment),
                   attachments=ticket.attachments, refused=refused)
    notices.queue_notice(ticket, "request_received", ticket.requester_email,
                         _l("We received your request: %(summary)s", summary=ticket.summary),
                         **context)
    agents = notices.agent_recipients()
    if agents:
        def in_language(code):
            desk = types.request_types(code).get(ticket.type, request_type)
            return dict(request_type=desk, fields=field_rows(ticket, desk))
        context["link"] = external_url("agent.request_page", ref=ticket.ref)
        notices.queue_notice(ticket, "new_request_agents", agents,
                             _l("New request: %(summary)s", summary=ticket.summary),
                             in_language=in_language, **context)


def field_rows(ticket, request_type):
    """(label, shown value) for the type's fields that have a value."""
    rows = []
    for f in request_type.fields if request_type else ():
        value = (ticket.fields or {}).get(f.name)
        if value not in (None, "", False):
            rows.append((f.label, f.display(value)))
    return rows


def store_uploads(uploads, keep_going, refused):
    """Store the files of one request or message; returns [StoredFile].

    With `keep_going` (mail: nobody is there to fix a file) files over
    ATTACHMENT_MAX_COUNT and refused files are appended to `refused` and the rest are
    kept; otherwise (the web) TooManyFiles or AttachmentRefused is raised and the files
    stored so far are removed. A failing disk always raises.
    """
    uploads = list(uploads)
    limit = current_app.config["ATTACHMENT_MAX_COUNT"]
    if len(uploads) > limit:
        if not keep_going:
            raise TooManyFiles(ngettext("Attach at most %(num)d file.",
                                        "Attach at most %(num)d files.", limit))
        refused.extend(storage.AttachmentRefused(storage.clean_name(u.filename),
                                                 ngettext("more than %(num)d file",
                                                          "more than %(num)d files", limit))
                       for u in uploads[limit:])
        uploads = uploads[:limit]
    stored = []
    try:
        for upload in uploads:
            try:
                stored.append(storage.store(upload.stream, upload.filename))
            except storage.AttachmentRefused as refusal:
                # A broken disk is not a refused file: fail, so mail is kept for retry.
                if not keep_going or isinstance(refusal, storage.StorageUnavailable):
                    raise
                refused.append(refusal)
    except BaseException:
        remove_stored(stored)
        raise
    return stored


def remove_stored(stored):
    """Delete the files of [StoredFile] (their message was not saved)."""
    for item in stored:
        storage.remove(item.storage_key)


def remove_orphan_files():
    """Delete stored files that no attachment refers to; returns how many went.

    Files younger than UPLOAD_ORPHAN_MIN_AGE seconds are left: their request may still
    be on its way to the database.
    """
    known = set(db.session.execute(select(Attachment.storage_key)).scalars())
    found = storage.orphans(known, older_than=current_app.config["UPLOAD_ORPHAN_MIN_AGE"])
    for key in found:
        storage.remove(key)
    return len(found)


def note_address_proven(ticket):
    """Someone who proved the requester's address is acting on the request (a signed-in
    owner, a mailed link's holder, an authenticated mail): recorded with the change that
    follows, once. Until then agents are told anyone may have typed that address."""
    if ticket.address_proven_at is None:
        ticket.address_proven_at = utcnow()
