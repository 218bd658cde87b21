"""The agent desk's forms. Simple buttons rely on the app-wide CSRF check; the reply form
checks its own token so an expired page comes back with the draft kept."""

from wtforms import MultipleFileField, StringField, TextAreaField
from wtforms.validators import Optional

from ..forms import Form, Hidden, MaxLength

REPLY_MAX = 20000


class AgentReplyForm(Form):
    body = TextAreaField(
        "Reply or note",
        validators=[MaxLength(REPLY_MAX, f"Keep it under {REPLY_MAX} characters.")],
        description="Markdown works. A reply is emailed to the requester; an internal note "
                    "is seen by agents only.")
    attachments = MultipleFileField("Attachments")
    # The activity this page showed (see collisions.py).
    seen = Hidden(max_length=30)  # "<message id>-<change id>"
    kb_q = StringField("Find a help article", validators=[
        Optional(), MaxLength(200, "Keep the search under 200 characters.")])
