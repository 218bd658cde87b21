"""A client nobody here wrote: Schemathesis reads /api/v1/openapi.json from a live gunicorn
and calls every operation with generated data. No answer may be a 500, and every answer
must match the description (status, content type, body schema)."""

import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from processes import get_json, gunicorn
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from helpdesk import create_app
from helpdesk.auth import api_tokens
from helpdesk.extensions import db
from helpdesk.models import User, utcnow

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def live(tmp_path_factory, migrated_db, shipped_index):
    """gunicorn serving a fresh instance, an agent's and a requester's token."""
    folder = tmp_path_factory.mktemp("schema")
    instance = folder / "instance"
    instance.mkdir()
    config = {"INSTANCE_PATH": str(instance), "TESTING": True, "KB_BACKGROUND": False,
              "MAIL_BACKGROUND_SENDER": False, "SECRET_KEY": "schema-test",
              "ARTICLES_DIR": str(shipped_index.parent.parent / "articles")}
    if isinstance(migrated_db, str):
        config["SQLALCHEMY_DATABASE_URI"] = migrated_db
    else:
        shutil.copy(migrated_db, instance / "helpdesk.sqlite3")
    shutil.copytree(shipped_index, instance / "index")
    app = create_app(config)
    with app.app_context():
        agent = User(email="agent@example.com", role="agent", email_verified_at=utcnow())
        ann = User(email="ann@example.com", role="requester", email_verified_at=utcnow())
        db.session.add_all([agent, ann])
        db.session.commit()
        tokens = {"agent": api_tokens.issue(agent, "schema", "agent", "write")[1],
                  "requester": api_tokens.issue(ann, "schema", "requester", "write")[1]}
    with gunicorn(app, folder, workers=1) as server:
        yield app, server, tokens
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def token_for_call(live, case):
    app, _server, tokens = live
    if case.method.upper() == "DELETE" and case.path.endswith("/auth/token"):
        with app.app_context():  # signing out ends the token used: give it one of its own
            ann = db.session.execute(db.select(User).where(
                User.email == "ann@example.com")).scalar_one()
            return api_tokens.issue(ann, "spent", "requester", "write")[1]
    return tokens["agent" if "/desk/" in case.path else "requester"]


def test_every_operation_answers_as_described(live):
    # One test walks the operations (Schemathesis' pytest plugin does not run on this
    # pytest); each operation gets its own Hypothesis run, and every failure is reported.
    _app, server, _tokens = live
    base = f"http://127.0.0.1:{server.port}"
    loaded = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    failures, walked = [], []
    for result in loaded.get_all_operations():
        operation = result.ok()
        walked.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            case.call_and_validate(
                base_url=base, checks=CHECKS,
                headers={"Authorization": f"Bearer {token_for_call(live, case)}"})

        try:
            call()
        except Exception as failed:  # noqa: BLE001  (collected, reported together below)
            failures.append(f"{operation.label}: {failed}")
    assert len(walked) >= 19
    assert not failures, "\n\n".join(failures)


def test_the_description_is_openapi_3_1_and_lists_every_operation(live):
    _app, server, _tokens = live
    status, spec = get_json(server.port, "/api/v1/openapi.json")
    assert status == 200
    assert spec["openapi"].startswith("3.1")
    assert {"/api/v1/requests", "/api/v1/desk/requests", "/api/v1/auth/token"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
