"""The requesters' blueprint: filing (views.py) and following (requester_views.py) add
their routes to it, so their endpoint names share the `tickets.` prefix."""

from flask import Blueprint, current_app

bp = Blueprint("tickets", __name__)


def ip_limit():
    """Posts one address may make: filing and replying share REQUEST_RATE_LIMIT_IP."""
    return current_app.config["REQUEST_RATE_LIMIT_IP"]
