"""Slowing down password guessing without locking the account's owner out.

Only failures count (a right password costs nothing), and they count per account *and*
source, as OWASP's authentication cheat sheet advises:

- per account and client address (AUTH_PASSWORD_FAILURES_PER_SOURCE): one guesser is
  stopped; the owner, from any other address, is not;
- per client address, whatever the account (AUTH_PASSWORD_FAILURES_PER_IP): one address
  trying many accounts;
- per account, from browsers that never signed in to it (AUTH_PASSWORD_FAILURES_PER_ACCOUNT):
  many addresses guessing one account. A browser where the owner signed in before carries
  a device cookie (devices.py) and is counted on its own instead
  (AUTH_PASSWORD_FAILURES_PER_DEVICE), so a distributed guesser never locks out the
  owner's own browsers.

Emailed sign-in links are not counted here: a link proves the mailbox, so the owner can
always sign in with one. Counters live in the rate limiter's storage (RATELIMIT_STORAGE_URI),
so every worker and host sees the same counts when that storage is shared (Redis). When
that storage cannot be reached, REDIS_FAILURE decides: "open" lets the password be tried
uncounted (logged), "closed" lets the error through to the busy page (web.py).
"""

import logging
import math
import time
from dataclasses import dataclass

from flask import current_app
from limits import parse_many

from .. import redisconf
from ..extensions import limiter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    """Who is trying: the account's address, the client address, the device (or None)."""

    email: str
    source: str
    device: str | None = None

    def counters(self):
        """(setting, identifiers) for each counter this attempt is checked against."""
        found = [("AUTH_PASSWORD_FAILURES_PER_SOURCE", ("source", self.email, self.source)),
                 ("AUTH_PASSWORD_FAILURES_PER_IP", ("ip", self.source))]
        if self.device:
            found.append(("AUTH_PASSWORD_FAILURES_PER_DEVICE", ("device", self.email, self.device)))
        else:
            found.append(("AUTH_PASSWORD_FAILURES_PER_ACCOUNT", ("account", self.email)))
        return found


def _items(setting):
    return parse_many(current_app.config[setting])


def wait_seconds(attempt):
    """0 when `attempt` may try a password now, else how long until it may."""
    if not limiter.enabled:
        return 0
    try:
        return _wait_seconds(attempt)
    except redisconf.ERRORS:
        if not redisconf.fails_open(current_app):
            raise
        log.warning("password throttle skipped: its storage is unreachable", exc_info=True)
        return 0


def _wait_seconds(attempt):
    strategy = limiter.limiter
    waits = [0]
    for setting, identifiers in attempt.counters():
        for item in _items(setting):
            if not strategy.test(item, "password-failures", *identifiers):
                reset_at = strategy.get_window_stats(item, "password-failures",
                                                     *identifiers).reset_time
                waits.append(max(math.ceil(reset_at - time.time()), 1))
    return max(waits)


def failed(attempt):
    """Count one wrong password for `attempt`."""
    if not limiter.enabled:
        return
    try:
        for setting, identifiers in attempt.counters():
            for item in _items(setting):
                limiter.limiter.hit(item, "password-failures", *identifiers)
    except redisconf.ERRORS:
        if not redisconf.fails_open(current_app):
            raise
        log.warning("a wrong password went uncounted: its storage is unreachable",
                    exc_info=True)
