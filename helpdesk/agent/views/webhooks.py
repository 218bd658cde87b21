"""Admins' webhooks page: register a URL for events (its secret shown once), see each hook's
deliveries, pause, resume and remove."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...extensions import db
from ...models import Webhook
from ...outgoing import webhooks
from .. import gate
from . import bp


def _page(status=200, **extra):
    found = webhooks.hooks()
    return render_template("agent/webhooks.html", hooks=found, events=webhooks.EVENTS,
                           log={h.id: webhooks.recent_deliveries(h) for h in found},
                           **extra), status


@bp.route("/webhooks", methods=["GET", "POST"])
@gate.admin_only
def webhooks_page():
    if request.method == "GET":
        return _page()
    url = request.form.get("url", "", type=str)
    chosen = request.form.getlist("events")
    try:
        hook = webhooks.register(url, chosen, gate.current_agent().email)
    except webhooks.HookRefused as refused:
        return _page(400, error=str(refused), url=url, chosen=chosen)
    # The secret is shown on this answer only; receivers need it to check signatures.
    return _page(200, new_hook=hook)


def _hook_or_404(hook_id):
    hook = db.session.get(Webhook, hook_id)
    if hook is None:
        abort(404)
    return hook


@bp.post("/webhooks/<int:hook_id>/pause")
@gate.admin_only
def pause_webhook(hook_id):
    hook = _hook_or_404(hook_id)
    paused = request.form.get("resume") != "1"
    webhooks.set_paused(hook, paused)
    flash(_("%(url)s is paused.", url=hook.url) if paused else
          _("%(url)s is delivering again.", url=hook.url), "success")
    return redirect(url_for(".webhooks_page"), 303)


@bp.post("/webhooks/<int:hook_id>/delete")
@gate.admin_only
def delete_webhook(hook_id):
    hook = _hook_or_404(hook_id)
    url = hook.url
    webhooks.remove(hook)
    flash(_("%(url)s is removed.", url=url), "success")
    return redirect(url_for(".webhooks_page"), 303)
