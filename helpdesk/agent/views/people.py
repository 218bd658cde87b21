"""People (admins): invitations, roles, deactivation. Requesters (agents): their requests,
blocking; export and erasure (admins)."""

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ...access import is_admin
from ...emails import normalize_email
from ...extensions import db
from ...models import BlockedSender, Ticket, User
from ...text import NAME_MAX
from ...tickets import service, spam
from ...vocabulary import ROLE_LABELS, ROLES
from .. import gate, people, privacy
from . import bp

REQUESTS_SHOWN = 200
# One whole sentence per role, so each language says it its own way.
NOW_ROLE = {
    "requester": lambda email: _("%(email)s is now requester.", email=email),
    "agent": lambda email: _("%(email)s is now agent.", email=email),
    "admin": lambda email: _("%(email)s is now admin.", email=email),
}


def _user_or_404(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/people")
@gate.admin_only
def people_page():
    return render_template("agent/people.html", staff=people.staff(), roles=ROLES,
                           role_words=ROLE_LABELS, me=gate.current_agent(),
                           invite_email=request.args.get("email", "", type=str)[:254])


@bp.post("/people/invite")
@gate.admin_only
def invite():
    email = request.form.get("email", "", type=str)
    role = request.form.get("role", "agent", type=str)
    try:
        created = people.invite(email, role, gate.current_agent())
    except people.PeopleError as refused:
        flash(str(refused), "error")
        return render_template("agent/people.html", staff=people.staff(), roles=ROLES,
                               role_words=ROLE_LABELS, me=gate.current_agent(),
                               invite_email=email[:254], invite_role=role), 400
    flash(_("Invitation sent to %(email)s (%(role)s).", email=created.user.email,
            role=ROLE_LABELS[created.user.role]), "success")
    return redirect(url_for(".people_page"), 303)


@bp.post("/people/<int:user_id>/role")
@gate.admin_only
def change_role(user_id):
    user = _user_or_404(user_id)
    try:
        changed = people.set_role(user, request.form.get("role", "", type=str),
                                  gate.current_agent())
    except people.PeopleError as refused:
        flash(str(refused), "error")
    else:
        if changed:
            flash(NOW_ROLE[user.role](user.email), "success")
    return redirect(url_for(".people_page"), 303)


@bp.post("/people/<int:user_id>/name")
@gate.admin_only
def change_name(user_id):
    user = _user_or_404(user_id)
    raw = request.form.get("display_name", "", type=str)
    if len(raw) > NAME_MAX:
        flash(_("Keep the name under %(num)d characters.", num=NAME_MAX), "error")
        return redirect(url_for(".people_page"), 303)
    name = people.set_name(user, raw)
    flash(_("%(email)s is called %(name)s now.", email=user.email, name=name) if name else
          _("%(email)s has no name now: the address is shown.", email=user.email), "success")
    return redirect(url_for(".people_page"), 303)


@bp.post("/people/<int:user_id>/active")
@gate.admin_only
def change_active(user_id):
    user = _user_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        people.set_active(user, active, gate.current_agent())
    except people.PeopleError as refused:
        flash(str(refused), "error")
    else:
        flash(_("%(email)s is active again.", email=user.email) if active else
              _("%(email)s is deactivated and signed out.", email=user.email), "success")
    return redirect(url_for(".people_page"), 303)


# --- requesters ------------------------------------------------------------------------------

def _email_arg():
    return normalize_email(request.values.get("email", "", type=str))


@bp.get("/requesters")
def requester_page():
    email = _email_arg()
    tickets, user = [], None
    if email:
        user = people.by_email(email)
        tickets = list(db.session.execute(
            select(Ticket).where(Ticket.requester_email == email)
            .order_by(Ticket.created_at.desc()).limit(REQUESTS_SHOWN)).scalars())
    me = gate.current_agent()
    return render_template("agent/requester.html", email=email, account=user, tickets=tickets,
                           blocked=service.is_blocked(email) if email else False,
                           is_admin=is_admin(me), shown=REQUESTS_SHOWN)


@bp.post("/requesters/block")
def block():
    email = _email_arg()
    if not email:
        abort(400)
    spam.block(email, gate.current_agent())
    flash(_("%(email)s is blocked: new requests and mail from it are refused quietly.",
            email=email), "success")
    return redirect(url_for(".requester_page", email=email), 303)


@bp.post("/requesters/unblock")
def unblock():
    email = _email_arg()
    found = db.session.execute(
        select(BlockedSender).where(BlockedSender.email == email)).scalar_one_or_none()
    if found is not None:
        spam.unblock(found)
        flash(_("%(email)s is no longer blocked.", email=email), "success")
    return redirect(url_for(".requester_page", email=email), 303)


@bp.get("/blocked")
def blocked_page():
    return render_template("agent/blocked.html", blocked=spam.blocked_list())


@bp.get("/requesters/export")
@gate.admin_only
def export():
    email = _email_arg()
    try:
        archive = privacy.export_zip(email)
    except privacy.PrivacyError as refused:
        flash(str(refused), "error")
        return redirect(url_for(".requester_page", email=email), 303)
    name = "helpdesk-export-" + "".join(c if c.isalnum() else "-" for c in email) + ".zip"
    return send_file(archive, mimetype="application/zip", as_attachment=True,
                     download_name=name, max_age=0)


@bp.post("/requesters/erase")
@gate.admin_only
def erase():
    email = _email_arg()
    confirm = normalize_email(request.form.get("confirm", "", type=str))
    if not email or confirm != email:
        flash(_("Type the address again to confirm the erasure."), "error")
        return redirect(url_for(".requester_page", email=email), 303)
    try:
        done = privacy.erase(email, gate.current_agent())
    except privacy.PrivacyError as refused:
        flash(str(refused), "error")
        return redirect(url_for(".requester_page", email=email), 303)
    if done["account"]:
        erased = ngettext("Everything held about %(email)s was erased (%(num)d request, and "
                          "the account).",
                          "Everything held about %(email)s was erased (%(num)d requests, and "
                          "the account).", done["requests"], email=email)
    else:
        erased = ngettext("Everything held about %(email)s was erased (%(num)d request).",
                          "Everything held about %(email)s was erased (%(num)d requests).",
                          done["requests"], email=email)
    flash(erased, "success")
    return redirect(url_for(".queue_page"), 303)
