"""The JSON API under /api/v1/: tokens, requests, articles and the desk, described by an
OpenAPI 3.1 document generated from the routes and schemas (flask-smorest)."""

from flask import Blueprint, current_app, render_template
from flask_smorest import Api

from ..extensions import csrf
from ..jsonerrors import error_response
from . import articles, desk, requester, tokens  # noqa: F401  (their routes join the blueprint)
from .blueprint import bp
from .schemas import Error


class HelpdeskApi(Api):
    """flask-smorest, answering errors only inside the API (the pages keep their own)."""

    ERROR_SCHEMA = Error

    def _register_error_handlers(self):
        pass  # the blueprint has its own JSON error handlers


METHODS = ("get", "post", "put", "patch", "delete")

# Pages about the API, outside its description: the reference, and a JSON 404 for the rest.
pages = Blueprint("api_pages", __name__, url_prefix="/api/v1")


@pages.get("/docs")
def reference():
    """A readable reference of every operation, rendered here from the same document."""
    spec = current_app.extensions["helpdesk.api"].spec.to_dict()
    operations = [(path, method.upper(), dict(op, parameters=item.get("parameters", [])
                                              + op.get("parameters", [])))
                  for path, item in spec["paths"].items()
                  for method, op in item.items() if method in METHODS]
    return render_template("api/reference.html", spec=spec, operations=operations)


@pages.route("/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(anything):
    return error_response(404, "not_found", "There is no such API call.")


def init_app(app):
    csrf.exempt(bp)  # tokens only, never cookies: nothing for a cross-site page to forge
    csrf.exempt(pages)
    api = HelpdeskApi(app, spec_kwargs={"info": {"description": (
        "Sign in by an emailed code for a token, then send the header "
        "Authorization: Bearer <token>. "
        "Errors are JSON: {\"error\": {\"code\", \"message\", \"fields\"}}.")}})
    api.spec.components.security_scheme("token", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(bp)
    app.register_blueprint(pages)
    app.extensions["helpdesk.api"] = api
