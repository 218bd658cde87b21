"""Absolute links for mail, built from EXTERNAL_URL, never from the Host header."""

import logging

from flask import current_app, has_request_context, request

log = logging.getLogger(__name__)


def external_url(endpoint, **values):
    """`EXTERNAL_URL` + the path of `endpoint`.

    Without EXTERNAL_URL, debug and testing runs use the current request's host (handy on
    a laptop); a production run logs a warning and keeps the bare path, because a Host
    header chosen by a visitor must never end up in mail sent to someone else.
    """
    app = current_app
    adapter = app.url_map.bind("localhost", url_scheme="http")
    path = adapter.build(endpoint, values, force_external=False)
    base = app.config.get("EXTERNAL_URL")
    if base:
        return base.rstrip("/") + path
    if (app.debug or app.testing) and has_request_context():
        return request.host_url.rstrip("/") + path
    log.warning("EXTERNAL_URL is not set, so links in mail cannot be absolute: %s", path)
    return path
