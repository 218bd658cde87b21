"""The agent desk (issue 6): the queue, one request for agents, people, spam, insights.

Services (one job each): `queue` (listing queries), `search` (text search per database),
`actions` (changing requests, bulk, notifications of assignment), `collisions` (telling
an agent about activity while they wrote), `saved` (canned responses), `spam` (spam,
blocked senders, deleting a request), `privacy` (a requester's export and erasure),
`people` (roles, invitations, deactivation), `insights` and `charts` (reports), `csvfile`
(safe CSV), `gate` (who may open /agent/, and idle sessions).
Views live in `views/`, split by area, on one blueprint under /agent/.
"""


def init_app(app):
    from . import gate
    from .views import bp
    gate.init_app(app)
    app.register_blueprint(bp)
