"""The agent desk's forms. Simple buttons rely on the app-wide CSRF check; the reply form
checks its own token so an expired page comes back with the draft kept."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import Length, Optional

REPLY_MAX = 20000


class AgentReplyForm(FlaskForm):
    body = TextAreaField(
        "Reply or note",
        validators=[Length(max=REPLY_MAX, message=f"Keep it under {REPLY_MAX} characters.")],
        description="Markdown works. A reply is emailed to the requester; an internal note "
                    "is seen by agents only.")
    attachments = MultipleFileField("Attachments")
    # The activity this page showed (see collisions.py).
    seen = HiddenField()
    kb_q = StringField("Find a help article", validators=[Optional(), Length(max=200)])
