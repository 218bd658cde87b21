"""Database models. No commits here and no app imports: the services own transactions."""

from datetime import datetime, timezone

from .extensions import db


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


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
