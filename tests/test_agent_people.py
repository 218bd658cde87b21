"""People: `helpdesk users create`, the first admin, and the admin page that invites,
deactivates and changes roles."""

import re

from accounts import (
    get_user,
    last_link,
    make_user,
    outbox,
    sign_in_with_password,
    use_link,
)
from desk import PASSWORD, page, send, signed_in

# --- the command line ---------------------------------------------------------------------------

def test_users_create_with_a_password_makes_an_admin_who_can_sign_in(app, runner):
    result = runner.invoke(args=["users", "create", "Boss@Example.com", "--role", "admin",
                                 "--password"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Created boss@example.com (admin)." in result.output
    client = app.test_client()
    assert sign_in_with_password(client, "boss@example.com", PASSWORD).status_code == 303
    assert client.get("/agent/people").status_code == 200


def test_users_create_without_a_password_emails_a_sign_in_link_to_the_desk(make_app):
    app = make_app(EXTERNAL_URL="https://help.example.com")
    result = app.test_cli_runner().invoke(args=["users", "create", "agent@example.com",
                                                "--role", "agent"])
    assert result.exit_code == 0, result.output
    assert "A sign-in link was emailed to agent@example.com." in result.output
    (mail,) = outbox(app, "agent@example.com")
    assert "invited" in mail.subject
    client = app.test_client()
    use_link(client, last_link(app, "agent@example.com", "/login/link"))
    assert client.get("/agent/").status_code == 200


def test_users_create_gives_an_existing_account_the_new_role(app, runner):
    make_user(app, "ann@example.com")
    result = runner.invoke(args=["users", "create", "ann@example.com", "--role", "agent",
                                 "--password"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert "Updated ann@example.com (agent)." in result.output
    assert get_user(app, "ann@example.com").role == "agent"


def test_users_create_refuses_a_bad_address_and_a_short_password(app, runner):
    bad = runner.invoke(args=["users", "create", "not-an-address", "--role", "agent"])
    assert bad.exit_code != 0 and "is not a valid email address" in bad.output
    short = runner.invoke(args=["users", "create", "a@example.com", "--password"],
                          input="short\nshort\n")
    assert short.exit_code != 0 and "at least" in short.output
    assert get_user(app, "a@example.com") is None


def test_users_create_refuses_an_unknown_role(runner):
    result = runner.invoke(args=["users", "create", "a@example.com", "--role", "root"])
    assert result.exit_code != 0 and "root" in result.output


# --- the admin page ---------------------------------------------------------------------------

def test_an_admin_invites_an_agent_who_signs_in_to_the_desk(app):
    admin = signed_in(app, "boss@example.com", role="admin")
    response = send(admin, "/agent/people/invite", {"email": "new@example.com",
                                                    "role": "agent"})
    assert response.status_code == 303
    assert get_user(app, "new@example.com").role == "agent"
    (mail,) = outbox(app, "new@example.com")
    assert "boss@example.com invited you" in mail.body_text
    client = app.test_client()
    landed = use_link(client, last_link(app, "new@example.com", "/login/link"))
    assert landed.headers["Location"] == "/agent/"
    assert client.get("/agent/").status_code == 200


def test_an_invitation_with_a_bad_address_keeps_what_was_typed(app):
    admin = signed_in(app, "boss@example.com", role="admin")
    response = send(admin, "/agent/people/invite", {"email": "new@@example", "role": "agent"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "is not a valid email address" in html and 'value="new@@example"' in html


def test_an_admin_changes_a_role(app):
    admin = signed_in(app, "boss@example.com", role="admin")
    bob = make_user(app, "bob@example.com", role="agent")
    send(admin, f"/agent/people/{bob}/role", {"role": "admin"})
    assert get_user(app, "bob@example.com").role == "admin"


def test_taking_the_agent_role_away_ends_their_sessions(app):
    admin = signed_in(app, "boss@example.com", role="admin")
    bob = signed_in(app, "bob@example.com", role="agent")
    bob_id = get_user(app, "bob@example.com").id
    send(admin, f"/agent/people/{bob_id}/role", {"role": "requester"})
    assert bob.get("/agent/").status_code == 303


def test_deactivating_an_agent_signs_them_out_at_once(app):
    admin = signed_in(app, "boss@example.com", role="admin")
    bob = signed_in(app, "bob@example.com", role="agent")
    bob_id = get_user(app, "bob@example.com").id
    send(admin, f"/agent/people/{bob_id}/active", {"active": "0"})
    assert not get_user(app, "bob@example.com").is_active
    assert bob.get("/agent/").status_code == 303
    assert sign_in_with_password(app.test_client(), "bob@example.com", PASSWORD
                                 ).status_code == 400
    assert "Deactivated" in page(admin, "/agent/people")


def test_a_deactivated_agent_can_be_reactivated(app):
    admin = signed_in(app, "boss@example.com", role="admin")
    bob = make_user(app, "bob@example.com", role="agent", active=False)
    send(admin, f"/agent/people/{bob}/active", {"active": "1"})
    assert get_user(app, "bob@example.com").is_active


def test_the_last_admin_can_be_neither_demoted_nor_deactivated(app):
    admin = signed_in(app, "boss@example.com", role="admin")
    me = get_user(app, "boss@example.com").id
    response = send(admin, f"/agent/people/{me}/role", {"role": "agent"})
    assert "at least one active admin" in admin.get(response.headers["Location"]
                                                    ).get_data(as_text=True)
    assert get_user(app, "boss@example.com").role == "admin"


def test_an_admin_cannot_deactivate_themselves(app):
    admin = signed_in(app, "boss@example.com", role="admin")
    make_user(app, "other@example.com", role="admin")
    me = get_user(app, "boss@example.com").id
    send(admin, f"/agent/people/{me}/active", {"active": "0"})
    assert get_user(app, "boss@example.com").is_active


def test_the_people_page_lists_agents_and_admins_only(app):
    admin = signed_in(app, "boss@example.com", role="admin")
    make_user(app, "bob@example.com", role="agent")
    make_user(app, "ann@example.com")
    html = page(admin, "/agent/people")
    staff = html.split('id="staff-title"')[1].split("</table>")[0]
    assert re.findall(r"<td>([a-z]+@example\.com)", staff) == ["bob@example.com",
                                                                "boss@example.com"]
