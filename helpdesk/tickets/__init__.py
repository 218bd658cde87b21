"""Requests: request types, the request form, attachment storage, the ticket and conversation
services, and the requester's pages."""

from . import types

EXTENSION_KEY = "helpdesk.request_types"


def init_app(app):
    """Load the request types (a bad file stops the start) and add the pages."""
    path = types.resolve_path(app.config, app.instance_path)
    loaded = types.load(path)
    app.extensions[EXTENSION_KEY] = {t.slug: t for t in loaded}
    from .views import bp
    from . import requester_views  # noqa: F401  (its routes join the same blueprint)
    app.register_blueprint(bp)
