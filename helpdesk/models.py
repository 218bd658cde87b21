"""Database models. No commits here and no app imports: the services own transactions."""

from datetime import datetime, timezone

from sqlalchemy.dialects.postgresql import JSONB

from .emails import normalize_email
from .extensions import db
from .vocabulary import STAFF_ROLES


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


class NormalizedEmail:
    """For tables with an `email` column: every address is stored as `normalize_email`
    writes it, so look-ups compare like with like."""

    @db.validates("email")
    def _normalized(self, key, value):
        return normalize_email(value)


class ArticleStat(db.Model):
    """Running counters per article, kept so the home page never scans the event log."""

    __tablename__ = "article_stat"

    slug = db.Column(db.String(255), primary_key=True)
    views = db.Column(db.Integer, nullable=False, default=0)
    helpful = db.Column(db.Integer, nullable=False, default=0)
    not_helpful = db.Column(db.Integer, nullable=False, default=0)


class ArticleVote(db.Model):
    """One "Was this helpful?" answer per visitor and article; a visitor may change it."""

    __tablename__ = "article_vote"
    __table_args__ = (db.UniqueConstraint("slug", "visitor", name="uq_article_vote_slug_visitor"),)

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(255), nullable=False)
    visitor = db.Column(db.String(64), nullable=False)
    helpful = db.Column(db.Boolean, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class Event(db.Model):
    """A compact record for the deflection funnel and the content-gap report."""

    __tablename__ = "event"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(32), nullable=False)
    query = db.Column(db.String(200))
    result_count = db.Column(db.Integer)
    slug = db.Column(db.String(255))
    visitor = db.Column(db.String(64))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)

    __table_args__ = (db.Index("ix_event_kind_created_at", "kind", "created_at"),)


# --- people and requests ---------------------------

REF_OFFSET = 1000  # HD-1001 is the first request: short, sequential, human
REF_PATTERN = r"HD-\d{1,12}"  # a reference as people type it (any case)


class User(NormalizedEmail, db.Model):
    """A person with an account. Requests belong to email addresses, not to users."""

    __tablename__ = "user"

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, unique=True)
    email_verified_at = db.Column(db.DateTime)
    password_hash = db.Column(db.String(255))
    role = db.Column(db.String(16), nullable=False, default="requester")
    # What pages and mail call this person ("Dana Agent"); None: their address is used.
    display_name = db.Column(db.String(80))
    is_active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # Part of every session's user id (see get_id); incremented to end all sessions.
    session_version = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    # The language they chose for pages and mail ("fr"); None: the switch, browser or default.
    locale = db.Column(db.String(16))

    # Flask-Login's protocol, written out so the model does not import the extension.
    @property
    def is_authenticated(self):
        return True

    @property
    def is_anonymous(self):
        return False

    def get_id(self):
        # "<id>:<session version>": bumping the version (password reset, "sign out
        # everywhere", a changed address) ends every session and remember-me cookie at once.
        return f"{self.id}:{self.session_version or 0}"

    @property
    def is_verified(self):
        return self.email_verified_at is not None

    @property
    def is_agent(self):
        """Holds a desk role. Whether it may use it is helpdesk.access's question."""
        return self.role in STAFF_ROLES

    @property
    def name_or_email(self):
        return self.display_name or self.email



class Ticket(db.Model):
    """A support request ("request" on pages and in mail; `Ticket` in code)."""

    __tablename__ = "ticket"

    id = db.Column(db.Integer, primary_key=True)
    type = db.Column(db.String(64), nullable=False)
    requester_email = db.Column(db.String(254), nullable=False, index=True)
    requester_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    # The name given on the form ("Your name", optional), else None.
    requester_name = db.Column(db.String(80))
    summary = db.Column(db.String(255), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    fields = db.Column(db.JSON, nullable=False, default=dict)
    status = db.Column(db.String(24), nullable=False, default="open", index=True)
    priority = db.Column(db.String(16), nullable=False, default="normal")
    assignee_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    environment = db.Column(db.JSON)
    channel = db.Column(db.String(8), nullable=False, default="web")
    # The form's one-time token: a refresh or double click finds the first request.
    submission_token = db.Column(db.String(64), unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow,
                           index=True)
    resolved_at = db.Column(db.DateTime)
    closed_at = db.Column(db.DateTime)
    # A reply after the reopen period starts a new request linked to the closed one.
    parent_id = db.Column(db.Integer, db.ForeignKey("ticket.id", ondelete="SET NULL"),
                          index=True)
    # Marked as spam by an agent: hidden from the agents' queue views.
    spam = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    # When someone first showed they control `requester_email` (a verified account filed
    # it, an emailed link was used to act on it, an authenticated mail): until then anyone
    # may have typed that address, and agents are told so.
    address_proven_at = db.Column(db.DateTime)
    # The requester's language (the page they filed from, the API's `locale`, or their
    # mail's); every mail to them is written in it. None: DEFAULT_LOCALE.
    locale = db.Column(db.String(16))

    # The agents' queue picks a page's rows from one of its two sort indexes alone
    # (migration 0009; its counts are kept in `queue_count`, outside the models).
    __table_args__ = (
        db.Index("ix_ticket_queue", "spam", "status", "assignee_id"),
        db.Index("ix_ticket_queue_updated", "spam", "updated_at", "id", "status",
                 "assignee_id", "type", "priority", "channel"),
        db.Index("ix_ticket_queue_created", "spam", "created_at", "id", "status",
                 "assignee_id", "type", "priority", "channel"),
    )

    requester = db.relationship("User", foreign_keys=[requester_id])
    assignee = db.relationship("User", foreign_keys=[assignee_id])
    messages = db.relationship("Message", back_populates="ticket", order_by="Message.id",
                               cascade="all, delete-orphan")
    attachments = db.relationship("Attachment", back_populates="ticket",
                                  order_by="Attachment.id", cascade="all, delete-orphan")
    parent = db.relationship("Ticket", remote_side=[id], foreign_keys=[parent_id])
    rating = db.relationship("Rating", back_populates="ticket", uselist=False,
                             cascade="all, delete-orphan")
    changes = db.relationship("TicketChange", back_populates="ticket",
                              order_by="TicketChange.id", cascade="all, delete-orphan")

    @property
    def ref(self):
        return self.ref_of(self.id)

    @property
    def known_requester_name(self):
        """The requester's name as given on the request, else their account's; or None."""
        account = self.requester.display_name if self.requester is not None else None
        return self.requester_name or account

    @staticmethod
    def ref_of(ticket_id):
        """The reference ("HD-1042") of the request with id `ticket_id`."""
        return f"HD-{ticket_id + REF_OFFSET}" if ticket_id is not None else None

    @staticmethod
    def id_from_ref(ref):
        """The id behind "HD-1042" (any case), or None for anything else."""
        text = (ref or "").strip().upper()
        if not text.startswith("HD-") or not text[3:].isdigit() or len(text) > 15:
            return None
        number = int(text[3:]) - REF_OFFSET
        # Ids are 32-bit integers (PostgreSQL refuses larger values in a query).
        return number if 0 < number < 2 ** 31 else None

    @classmethod
    def by_ref(cls, ref):
        ticket_id = cls.id_from_ref(ref)
        return db.session.get(cls, ticket_id) if ticket_id else None


class Message(db.Model):
    """One entry of a request's conversation; `internal` notes never reach requesters."""

    __tablename__ = "message"

    id = db.Column(db.Integer, primary_key=True)
    ticket_id = db.Column(db.Integer, db.ForeignKey("ticket.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    author_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    author_email = db.Column(db.String(254))
    body = db.Column(db.Text, nullable=False, default="")
    internal = db.Column(db.Boolean, nullable=False, default=False)
    source = db.Column(db.String(8), nullable=False, default="web")
    mail_message_id = db.Column(db.String(255), index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # The whole subject of a mail reply (a request's summary is cut to 255 characters).
    subject = db.Column(db.Text)
    # For mail: was the sender's address proven (DMARC/DKIM/SPF)? None: not from mail.
    sender_proven = db.Column(db.Boolean)

    ticket = db.relationship("Ticket", back_populates="messages")
    author = db.relationship("User")
    attachments = db.relationship("Attachment", back_populates="message",
                                  order_by="Attachment.id")


class Attachment(db.Model):
    """A stored file's metadata; the bytes live under UPLOAD_DIR at `storage_key`."""

    __tablename__ = "attachment"

    id = db.Column(db.Integer, primary_key=True)
    public_id = db.Column(db.String(32), nullable=False, unique=True)
    ticket_id = db.Column(db.Integer, db.ForeignKey("ticket.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    message_id = db.Column(db.Integer, db.ForeignKey("message.id", ondelete="SET NULL"),
                           index=True)
    original_name = db.Column(db.String(255), nullable=False)
    content_type = db.Column(db.String(100), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    sha256 = db.Column(db.String(64), nullable=False)
    storage_key = db.Column(db.String(100), nullable=False, unique=True)
    inline_ok = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    ticket = db.relationship("Ticket", back_populates="attachments")
    message = db.relationship("Message", back_populates="attachments")


class Outbox(db.Model):
    """Mail queued in the same transaction as the change it reports; sent after commit."""

    __tablename__ = "outbox"

    id = db.Column(db.Integer, primary_key=True)
    to = db.Column(db.String(1000), nullable=False)
    subject = db.Column(db.String(500), nullable=False)
    body_text = db.Column(db.Text, nullable=False)
    body_html = db.Column(db.Text)
    headers = db.Column(db.JSON, nullable=False, default=dict)
    ticket_id = db.Column(db.Integer, db.ForeignKey("ticket.id", ondelete="SET NULL"),
                          index=True)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    claimed_at = db.Column(db.DateTime)
    # The random token of the sender holding the row (see outgoing/outbox.py); only its
    # holder may mark the mail sent or failed.
    claim_token = db.Column(db.String(32), index=True)
    last_error = db.Column(db.String(1000))
    sent_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    __table_args__ = (db.Index("ix_outbox_due", "sent_at", "next_attempt_at"),)


# --- accounts, the conversation and ratings ------------------------------------

class TicketView(db.Model):
    """When an agent last opened a request's page, so the queue can mark what the
    requester wrote since ("New reply"). One row per agent and request."""

    __tablename__ = "ticket_view"

    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"),
                        primary_key=True)
    ticket_id = db.Column(db.Integer, db.ForeignKey("ticket.id", ondelete="CASCADE"),
                          primary_key=True, index=True)
    seen_at = db.Column(db.DateTime, nullable=False)


class TicketChange(db.Model):
    """The audit trail: who changed which field of a request, from what to what, when."""

    __tablename__ = "ticket_change"

    id = db.Column(db.Integer, primary_key=True)
    ticket_id = db.Column(db.Integer, db.ForeignKey("ticket.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    actor_email = db.Column(db.String(254))
    field = db.Column(db.String(32), nullable=False)
    old = db.Column(db.String(255))
    new = db.Column(db.String(255))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    ticket = db.relationship("Ticket", back_populates="changes")
    actor = db.relationship("User")


class Rating(db.Model):
    """The requester's satisfaction with a resolved request: 1-5 and a comment, once."""

    __tablename__ = "rating"

    id = db.Column(db.Integer, primary_key=True)
    # Unique: a second rating of the same request fails in the database, race or not.
    ticket_id = db.Column(db.Integer, db.ForeignKey("ticket.id", ondelete="CASCADE"),
                          nullable=False, unique=True)
    score = db.Column(db.Integer, nullable=False)
    comment = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)

    ticket = db.relationship("Ticket", back_populates="rating")


class UsedToken(db.Model):
    """Ids of single-use links (sign-in, verification, reset) that were already used."""

    __tablename__ = "used_token"

    jti = db.Column(db.String(64), primary_key=True)
    purpose = db.Column(db.String(32), nullable=False)
    used_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # After this the link is dead anyway, so the row may go.
    expires_at = db.Column(db.DateTime, nullable=False, index=True)


class ApiToken(db.Model):
    """A token for the JSON API. Only a SHA-256 digest of the secret is kept: the secret is
    shown once, when it is made, and a copy of this table opens nothing."""

    __tablename__ = "api_token"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    name = db.Column(db.String(100), nullable=False, default="")
    digest = db.Column(db.String(64), nullable=False, unique=True)
    hint = db.Column(db.String(12), nullable=False, default="")  # the secret's first letters
    scope = db.Column(db.String(16), nullable=False, default="requester")  # or "agent"
    access = db.Column(db.String(8), nullable=False, default="read")  # or "write"
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_used_at = db.Column(db.DateTime)
    revoked_at = db.Column(db.DateTime)

    user = db.relationship("User")


class Webhook(db.Model):
    """A URL an admin registered to be told of events; deliveries are signed with `secret`."""

    __tablename__ = "webhook"

    id = db.Column(db.Integer, primary_key=True)
    url = db.Column(db.String(1000), nullable=False)
    events = db.Column(db.JSON, nullable=False, default=list)
    secret = db.Column(db.String(64), nullable=False)
    created_by = db.Column(db.String(254))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    paused_at = db.Column(db.DateTime)  # set after repeated failures, or by an admin
    failures = db.Column(db.Integer, nullable=False, default=0)  # in a row


class WebhookDelivery(db.Model):
    """One event for one hook: queued with the change, sent and retried by the sender;
    the rows are also the hook's delivery log."""

    __tablename__ = "webhook_delivery"

    id = db.Column(db.Integer, primary_key=True)
    webhook_id = db.Column(db.Integer, db.ForeignKey("webhook.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    event = db.Column(db.String(32), nullable=False)
    body = db.Column(db.Text, nullable=False)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    claimed_at = db.Column(db.DateTime)
    delivered_at = db.Column(db.DateTime)
    last_status = db.Column(db.Integer)
    last_error = db.Column(db.String(500))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    __table_args__ = (db.Index("ix_webhook_delivery_due", "delivered_at", "next_attempt_at"),)

    webhook = db.relationship("Webhook")


# --- inbound mail ---------------------------------------------------------------


class InboundMail(db.Model):
    """One mail we received, once: what became of it and its whole text.

    `dedupe_key` ("mid:<Message-ID>", else "sha:<content hash>") is unique, so the same
    mail fetched twice, or by two hosts at once, is handled by one of them. A row is
    claimed as `processing` before any work; the work's outcome is written in the same
    transaction as the request or reply it makes.
    """

    __tablename__ = "inbound_mail"

    id = db.Column(db.Integer, primary_key=True)
    dedupe_key = db.Column(db.String(255), nullable=False, unique=True)
    mail_message_id = db.Column(db.String(255), index=True)
    content_hash = db.Column(db.String(64))
    status = db.Column(db.String(16), nullable=False, default="processing", index=True)
    reason = db.Column(db.String(500))
    sender = db.Column(db.String(254))
    subject = db.Column(db.String(500))
    source = db.Column(db.String(16))
    ticket_id = db.Column(db.Integer, db.ForeignKey("ticket.id", ondelete="SET NULL"),
                          index=True)
    message_id = db.Column(db.Integer, db.ForeignKey("message.id", ondelete="SET NULL"),
                           index=True)
    # The decoded text before quoted history and signatures were stripped: for agents.
    full_text = db.Column(db.Text)
    received_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    ticket = db.relationship("Ticket")
    message = db.relationship("Message")


class MailReference(db.Model):
    """A Message-ID we put on outgoing mail, so a reply's In-Reply-To finds its request."""

    __tablename__ = "mail_reference"

    id = db.Column(db.Integer, primary_key=True)
    message_id = db.Column(db.String(255), nullable=False, unique=True)
    ticket_id = db.Column(db.Integer, db.ForeignKey("ticket.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class FailingAddress(NormalizedEmail, db.Model):
    """An address our mail bounced from; cleared when mail from it arrives again."""

    __tablename__ = "failing_address"

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, unique=True)
    reason = db.Column(db.String(500))
    failures = db.Column(db.Integer, nullable=False, default=1)
    first_failed_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_failed_at = db.Column(db.DateTime, nullable=False, default=utcnow)



# --- the agent desk -------------------------------------------------------------

class SavedReply(db.Model):
    """A canned response agents insert into a reply; admins manage them.

    The body may hold placeholders ({name}, {ref}, {summary}, {email}) filled in for the
    request at hand by plain replacement, never by a template engine.
    """

    __tablename__ = "saved_reply"

    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(120), nullable=False, unique=True)
    body = db.Column(db.Text, nullable=False, default="")
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class BlockedSender(NormalizedEmail, db.Model):
    """An address whose later requests (web form and mail) are refused quietly."""

    __tablename__ = "blocked_sender"

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, unique=True)
    reason = db.Column(db.String(255))
    blocked_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    blocked_by = db.relationship("User")



class WebSession(db.Model):
    """A browser's session, kept on the server: the cookie holds only a random key.

    The id is the SHA-256 of that key, so a copy of this table opens no session. Signing
    out deletes the row, which ends every copy of the cookie at once. `data` is updated
    key by key (helpdesk/auth/session_store.py), so two requests of the same browser that
    change different keys never undo each other.
    """

    __tablename__ = "web_session"

    id = db.Column(db.String(64), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    data = db.Column(db.JSON().with_variant(JSONB(), "postgresql"),
                     nullable=False, default=dict)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime, nullable=False, index=True)
