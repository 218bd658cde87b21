"""Mail: the outgoing outbox and its senders, and incoming mail (`incoming/`)."""


def init_app(app):
    from . import incoming, sender
    from .views import bp
    sender.init_app(app)
    app.register_blueprint(bp)
    incoming.init_app(app)
