"""Mail: the outgoing outbox and its senders (incoming mail joins in issue 7)."""


def init_app(app):
    from . import sender
    from .views import bp
    sender.init_app(app)
    app.register_blueprint(bp)
