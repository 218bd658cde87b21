"""The application factory: the one module that imports every layer and wires it up."""

from flask import Flask

from . import (
    api,
    database,
    events,
    jinja_gettext,
    kb,
    language_views,
    locales,
    logs,
    middleware,
    outgoing,
    redisconf,
    settings,
    users,
    web,
)
from .agent import gate
from .agent import views as desk
from .auth import token_views  # noqa: F401  (its routes join the accounts blueprint)
from .auth import views as auth_views
from .commands import register as register_commands
from .extensions import babel, csrf, db, limiter, migrate
from .forms import FormRequest
from .health import bp as health_bp
from .kb.views import bp as kb_bp
from .outgoing.views import bp as outbox_bp
from .tickets import blueprint as ticket_pages
from .tickets import requester_views, types  # noqa: F401  (its routes join the blueprint)
from .tickets import views as ticket_views  # noqa: F401  (its routes join the blueprint)


def create_app(test_config=None):
    """Build the app. `test_config` is applied last; its INSTANCE_PATH picks the folder."""
    app = Flask("helpdesk", instance_path=settings.instance_path_from(test_config),
                instance_relative_config=True)
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

    logs.configure(app)
    middleware.init_app(app)
    database.init_app(app)
    db.init_app(app)
    database.release_sessions(app, db)
    migrate.init_app(app, db, directory=database.MIGRATIONS_DIR)
    csrf.init_app(app)
    locales.check(app.config)  # a language setting that cannot work stops the start here
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = locales.translation_directories(
        app.config, app.instance_path)
    babel.init_app(app, default_locale=locales.default(app.config),
                   locale_selector=locales.choose, timezone_selector=web.reader_zone)
    jinja_gettext.install(app.jinja_env)
    redisconf.configure(app)
    limiter.init_app(app)
    app.extensions["helpdesk.events"] = events.EventBuffer(app)
    web.init_app(app)
    language_views.init_app(app)

    app.register_blueprint(kb_bp)
    app.register_blueprint(health_bp)
    kb.init_app(app)
    users.init_app(app)
    types.init_app(app)  # a bad request types file stops the start here
    app.register_blueprint(ticket_pages.bp)  # views and requester_views hold its routes
    auth_views.init_app(app)
    outgoing.init_app(app)
    app.register_blueprint(outbox_bp)
    gate.init_app(app)
    app.register_blueprint(desk.bp)
    api.init_app(app)
    register_commands(app)
    return app
