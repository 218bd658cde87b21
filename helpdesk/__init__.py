"""helpdesk: a self-hosted help center and help desk."""

from flask import Flask

from . import settings


def create_app(test_config=None):
    """Build the app. `test_config` is applied last; its INSTANCE_PATH picks the folder."""
    app = Flask(__name__, instance_path=settings.instance_path_from(test_config),
                instance_relative_config=True)
    from .forms import FormRequest
    app.request_class = FormRequest  # text bodies capped below the upload limit
    app.config.from_object("helpdesk.config")
    app.config.from_pyfile("config.py", silent=True)
    settings.load_environment(app.config)
    if test_config:
        app.config.from_mapping(test_config)

    settings.make_private_dir(app.instance_path)
    settings.ensure_secret_key(app.config, app.instance_path)
    settings.fill_instance_defaults(app.config, app.instance_path)
    if app.config["MAX_CONTENT_LENGTH"] is None:
        # Room for every attachment at its limit plus the form's text fields.
        app.config["MAX_CONTENT_LENGTH"] = (
            app.config["ATTACHMENT_MAX_BYTES"] * app.config["ATTACHMENT_MAX_COUNT"] + 1024 * 1024)

    from . import database, events, logs, middleware, web
    from .extensions import csrf, db, limiter, migrate

    logs.configure(app)
    middleware.init_app(app)
    database.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=database.MIGRATIONS_DIR)
    csrf.init_app(app)
    limiter.init_app(app)
    app.extensions["helpdesk.events"] = events.EventBuffer(app)
    web.init_app(app)

    from . import kb
    from .kb.views import bp as kb_bp
    from .health import bp as health_bp

    app.register_blueprint(kb_bp)
    app.register_blueprint(health_bp)
    kb.init_app(app)

    from . import mail, tickets, users
    users.init_app(app)
    tickets.init_app(app)
    from . import auth
    auth.init_app(app)
    mail.init_app(app)
    from . import agent
    agent.init_app(app)

    from .cli import register
    register(app)
    return app
