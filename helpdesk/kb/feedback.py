"""Article feedback: "Was this helpful?" votes and the counters behind popular lists."""

from sqlalchemy import select

from ..events import add_to_stats
from ..extensions import db
from ..models import ArticleStat, ArticleVote


def vote(slug, visitor, helpful):
    """Record one visitor's answer; a second answer replaces the first, never adds to it."""
    existing = db.session.execute(
        select(ArticleVote).where(ArticleVote.slug == slug, ArticleVote.visitor == visitor)
        .with_for_update()
    ).scalar_one_or_none()
    if existing is not None and existing.helpful == helpful:
        return False
    if existing is None:
        db.session.add(ArticleVote(slug=slug, visitor=visitor, helpful=helpful))
    else:
        add_to_stats({slug: -1}, "helpful" if existing.helpful else "not_helpful")
        existing.helpful = helpful
    add_to_stats({slug: 1}, "helpful" if helpful else "not_helpful")
    db.session.commit()
    return True


def visitor_vote(slug, visitor):
    """The visitor's earlier answer (True/False) or None."""
    if not visitor:
        return None
    return db.session.execute(
        select(ArticleVote.helpful).where(ArticleVote.slug == slug, ArticleVote.visitor == visitor)
    ).scalar_one_or_none()


def most_viewed(published, limit=5):
    rows = db.session.execute(
        select(ArticleStat.slug).where(ArticleStat.views > 0)
        .order_by(ArticleStat.views.desc(), ArticleStat.slug).limit(limit * 4)
    ).scalars()
    return [published[s] for s in rows if s in published][:limit]


def most_helpful(published, limit=5):
    """Articles with the most net helpful answers (at least one, and more yes than no)."""
    net = ArticleStat.helpful - ArticleStat.not_helpful
    rows = db.session.execute(
        select(ArticleStat.slug).where(net > 0)
        .order_by(net.desc(), ArticleStat.helpful.desc(), ArticleStat.slug).limit(limit * 4)
    ).scalars()
    return [published[s] for s in rows if s in published][:limit]
