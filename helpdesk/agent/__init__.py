"""The agent desk: the queue, one request for agents, people, spam, insights.

Services (one job each): `queue` (listing queries), `actions` (changing requests, bulk,
notifications of assignment), `collisions` (telling an agent about activity while they
wrote), `saved` (canned responses), `people` (roles, invitations, deactivation), `privacy`
(a requester's export and erasure), `insights`, `gaps` and `charts` (reports), `csvfile`
(safe CSV). Desk search and spam are request services, in helpdesk/tickets/. On top:
`gate` (who may open /agent/, and idle sessions) and the views in `views/`, split by area,
on one blueprint under /agent/.
"""
