"""The words the data is made of: roles, statuses, channels, priorities, and the labels
people read for them. Everything imports these from here; nothing here imports the app.

The codes ("open", "waiting_customer", ...) are what the database, forms, URLs and the
API hold; the labels are lazy translations, read in the language of whoever is reading
(an agent's desk in French, a requester's page or mail in English), so look labels up by
code and never compare or store them.
"""

from flask_babel import lazy_gettext as _l

ROLES = ("requester", "agent", "admin")
STAFF_ROLES = ("agent", "admin")  # may open the agent desk (once active and verified)
ROLE_LABELS = {"requester": _l("Requester"), "agent": _l("Agent"), "admin": _l("Admin")}

STATUSES = ("open", "waiting_customer", "resolved", "closed")
OPEN_STATUSES = ("open", "waiting_customer")
DONE_STATUSES = ("resolved", "closed")
# A status as the requester reads it (what they wait for) and as agents read it.
REQUESTER_STATUS_LABELS = {"open": _l("Waiting for support"),
                           "waiting_customer": _l("Waiting for you"),
                           "resolved": _l("Resolved"), "closed": _l("Closed")}
AGENT_STATUS_LABELS = {"open": _l("Open"), "waiting_customer": _l("Waiting for customer"),
                       "resolved": _l("Resolved"), "closed": _l("Closed")}

CHANNELS = ("web", "email")
CHANNEL_LABELS = {"web": _l("Web"), "email": _l("Email")}
PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_LABELS = {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High"),
                   "urgent": _l("Urgent")}

# A request's history names what changed (TicketChange.field) and the values, as written
# in the middle of a line ("priority normal → high"), so in lower case.
CHANGE_FIELD_LABELS = {"status": _l("status"), "priority": _l("priority"),
                       "assignee": _l("assignee"), "type": _l("type"), "spam": _l("spam"),
                       "rating": _l("rating")}
CHANGE_VALUE_LABELS = {
    "priority": {"low": _l("low"), "normal": _l("normal"), "high": _l("high"),
                 "urgent": _l("urgent")},
    "spam": {"yes": _l("yes"), "no": _l("no")},
}
