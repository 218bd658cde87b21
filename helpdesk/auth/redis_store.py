"""Sessions in Redis, for sites served by several workers or hosts (REDIS_URL).

The same interface as session_store.DatabaseStore. One hash per session: each field is a
session key holding its tagged-JSON value, beside two fields of our own ("#expires", in
epoch milliseconds, and "#user"), which no session key can be named like. Redis drops the
hash itself when it expires. A set per user holds the keys of that user's sessions, so
"sign out everywhere" and a password reset end all of them at once.

Every write is one Lua script, run atomically by Redis: a request's change is applied key
by key (HSET, HDEL) to the session as stored, never as a whole, and never to a session
that has meanwhile ended (signed out elsewhere, expired), which would otherwise come back
half-made and without an expiry. Ending a user's sessions happens at once, not in the
caller's database transaction: should that transaction fail, those sessions are over all
the same, which errs on the safe side.
"""

from datetime import datetime, timezone

from .. import redisconf
from .session_store import UNCHANGED, Stored, check_names

EXPIRES, USER = "#expires", "#user"

# ARGV[1]: the prefix of user index keys. Adds KEYS[1] to its user's index, and keeps the
# index at least as long as the session.
_INDEX = """
local function index(prefix, key)
  local user = redis.call('HGET', key, '#user')
  if not user or user == '' then return end
  local set = prefix .. user
  redis.call('SADD', set, key)
  local left = tonumber(redis.call('HGET', key, '#expires')) - tonumber(ARGV[2])
  if redis.call('PTTL', set) < left then redis.call('PEXPIRE', set, math.ceil(left)) end
end
"""

# ARGV: index prefix, now (ms), expires (ms), user, then field, value pairs.
_CREATE = _INDEX + """
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '#expires', ARGV[3], '#user', ARGV[4], unpack(ARGV, 5))
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
index(ARGV[1], KEYS[1])
"""

# ARGV: index prefix, now (ms), expires (ms) or '', user ('~' unchanged, '' nobody), the
# number of removed fields, those fields, then field, value pairs.
_PATCH = _INDEX + """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local removed = tonumber(ARGV[5])
if removed > 0 then redis.call('HDEL', KEYS[1], unpack(ARGV, 6, 5 + removed)) end
if #ARGV > 5 + removed then redis.call('HSET', KEYS[1], unpack(ARGV, 6 + removed)) end
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], '#expires', ARGV[3])
  redis.call('PEXPIREAT', KEYS[1], ARGV[3])
end
if ARGV[4] ~= '~' then
  local old = redis.call('HGET', KEYS[1], '#user')
  if old and old ~= '' and old ~= ARGV[4] then redis.call('SREM', ARGV[1] .. old, KEYS[1]) end
  redis.call('HSET', KEYS[1], '#user', ARGV[4])
end
index(ARGV[1], KEYS[1])
return 1
"""

# ARGV[1]: index prefix.
_DELETE = """
local user = redis.call('HGET', KEYS[1], '#user')
redis.call('DEL', KEYS[1])
if user and user ~= '' then redis.call('SREM', ARGV[1] .. user, KEYS[1]) end
"""

# KEYS[1]: the user's index.
_DELETE_FOR_USER = """
local keys = redis.call('SMEMBERS', KEYS[1])
for _, key in ipairs(keys) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
return #keys
"""


def _ms(moment):
    return str(int(moment.replace(tzinfo=timezone.utc).timestamp() * 1000))


def _moment(ms):
    return datetime.fromtimestamp(int(ms) / 1000, tz=timezone.utc).replace(tzinfo=None)


def _now_ms():
    return str(int(datetime.now(timezone.utc).timestamp() * 1000))


class RedisStore:
    """Sessions as Redis hashes, with a per-user index of each person's sessions."""

    errors = redisconf.ERRORS

    def __init__(self, client, prefix="helpdesk"):
        self.client = client
        self.session_prefix = f"{prefix}:session:"
        self.index_prefix = f"{prefix}:user-sessions:"
        self._create = client.register_script(_CREATE)
        self._patch = client.register_script(_PATCH)
        self._delete = client.register_script(_DELETE)
        self._delete_for_user = client.register_script(_DELETE_FOR_USER)

    def _key(self, sid):
        return self.session_prefix + sid

    def load(self, sid):
        found = self.client.hgetall(self._key(sid))
        if not found or EXPIRES not in found:
            return None
        data = {name: value for name, value in found.items() if not name.startswith("#")}
        return Stored(data, _moment(found[EXPIRES]))

    def create(self, sid, data, expires_at, user_id):
        check_names(data)
        pairs = [part for name, value in data.items() for part in (name, value)]
        self._create(keys=[self._key(sid)],
                     args=[self.index_prefix, _now_ms(), _ms(expires_at),
                           "" if user_id is None else str(user_id), *pairs])

    def patch(self, sid, changed, removed, expires_at=None, user_id=UNCHANGED):
        """HSET what this request set, HDEL what it removed; other keys stay as stored."""
        check_names(list(changed) + list(removed))
        user = "~" if user_id is UNCHANGED else ("" if user_id is None else str(user_id))
        pairs = [part for name, value in changed.items() for part in (name, value)]
        self._patch(keys=[self._key(sid)],
                    args=[self.index_prefix, _now_ms(),
                          "" if expires_at is None else _ms(expires_at), user,
                          str(len(removed)), *removed, *pairs])

    def delete(self, sid):
        self._delete(keys=[self._key(sid)], args=[self.index_prefix])

    def delete_for_user(self, user_id):
        self._delete_for_user(keys=[self.index_prefix + str(user_id)])

    def purge_expired(self):
        """Redis drops expired sessions itself; remove what the user indexes still list."""
        removed = 0
        for index in self.client.scan_iter(match=self.index_prefix + "*", count=200):
            members = list(self.client.smembers(index))
            if not members:
                continue
            pipe = self.client.pipeline(transaction=False)
            for member in members:
                pipe.exists(member)
            gone = [m for m, present in zip(members, pipe.execute()) if not present]
            if gone:
                removed += self.client.srem(index, *gone)
        return removed
