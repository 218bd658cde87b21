"""The words the data is made of: roles, statuses, channels, priorities, and the labels
people read for them. Everything imports these from here; nothing here imports the app."""

ROLES = ("requester", "agent", "admin")
STAFF_ROLES = ("agent", "admin")  # may open the agent desk (once active and verified)
ROLE_LABELS = {"requester": "Requester", "agent": "Agent", "admin": "Admin"}

STATUSES = ("open", "waiting_customer", "resolved", "closed")
OPEN_STATUSES = ("open", "waiting_customer")
DONE_STATUSES = ("resolved", "closed")
# A status as the requester reads it (what they wait for) and as agents read it.
REQUESTER_STATUS_LABELS = {"open": "Waiting for support", "waiting_customer": "Waiting for you",
                           "resolved": "Resolved", "closed": "Closed"}
AGENT_STATUS_LABELS = {"open": "Open", "waiting_customer": "Waiting for customer",
                       "resolved": "Resolved", "closed": "Closed"}

CHANNELS = ("web", "email")
PRIORITIES = ("low", "normal", "high", "urgent")
