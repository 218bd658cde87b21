"""The agent desk's forms. Simple buttons rely on the app-wide CSRF check; the reply form
checks its own token so an expired page comes back with the draft kept."""

from flask_babel import lazy_gettext as _l
from wtforms import MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..forms import Form, Hidden, MaxLength
from ..vocabulary import AGENT_STATUS_LABELS

REPLY_MAX = 20000
# What "Send reply" sets, the usual answer first ("Submit as ..." in other desks).
REPLY_STATUSES = ("waiting_customer", "open", "resolved", "closed")


class AgentReplyForm(Form):
    body = TextAreaField(
        _l("Reply or note"),
        validators=[MaxLength(REPLY_MAX, _l("Keep it under %(num)d characters.", num=REPLY_MAX))],
        description=_l("Markdown works. A reply is emailed to the requester; an internal note "
                       "is seen by agents only."))
    attachments = MultipleFileField(_l("Attachments"))
    # Its own choice, shown beside "Send reply", so the status a reply leaves is never a
    # surprise; the page's script follows an unsaved change of the side panel's status.
    then_status = SelectField(
        _l("and set the status to"), default=REPLY_STATUSES[0],
        choices=[SelectChoice(s, AGENT_STATUS_LABELS[s]) for s in REPLY_STATUSES],
        validate_choice=False)
    # The activity this page showed (see collisions.py).
    seen = Hidden(max_length=30)  # "<message id>-<change id>"
    kb_q = StringField(_l("Find a help article"), validators=[
        Optional(), MaxLength(200, _l("Keep the search under %(num)d characters.", num=200))])
