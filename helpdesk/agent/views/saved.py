"""Saved replies, managed by admins (agents insert them on a request's page)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import gate, saved
from . import bp


@bp.route("/saved-replies", methods=["GET", "POST"])
@gate.admin_only
def saved_replies():
    title = body = ""
    if request.method == "POST":
        title = request.form.get("title", "", type=str)
        body = request.form.get("body", "", type=str)
        try:
            saved.save(title, body, gate.current_agent())
        except saved.SavedReplyError as refused:
            return render_template("agent/saved_replies.html", replies=saved.listing(),
                                   title=title, body=body, error=str(refused)), 400
        flash(_("Saved reply “%(title)s” added.", title=" ".join(title.split())), "success")
        return redirect(url_for(".saved_replies"), 303)
    return render_template("agent/saved_replies.html", replies=saved.listing(), title=title,
                           body=body, error=None)


def _reply_or_404(reply_id):
    found = saved.get(reply_id)
    if found is None:
        abort(404)
    return found


@bp.route("/saved-replies/<int:reply_id>", methods=["GET", "POST"])
@gate.admin_only
def edit_saved_reply(reply_id):
    reply = _reply_or_404(reply_id)
    title, body = reply.title, reply.body
    if request.method == "POST":
        title = request.form.get("title", "", type=str)
        body = request.form.get("body", "", type=str)
        try:
            saved.save(title, body, gate.current_agent(), reply=reply)
        except saved.SavedReplyError as refused:
            return render_template("agent/saved_reply_edit.html", reply=reply, title=title,
                                   body=body, error=str(refused)), 400
        flash(_("Saved reply updated."), "success")
        return redirect(url_for(".saved_replies"), 303)
    return render_template("agent/saved_reply_edit.html", reply=reply, title=title, body=body,
                           error=None)


@bp.post("/saved-replies/<int:reply_id>/delete")
@gate.admin_only
def delete_saved_reply(reply_id):
    reply = _reply_or_404(reply_id)
    title = reply.title
    saved.delete(reply)
    flash(_("Saved reply “%(title)s” deleted.", title=title), "success")
    return redirect(url_for(".saved_replies"), 303)
