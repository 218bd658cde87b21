"""A real Redis for tests: Debian's redis-server on a free port, with its data in the
test's temporary folder (scripts/redisinstance.py starts it, for the benchmarks too).

Without redis-server the test is skipped with what to install; under CI=true it fails.
"""

import sys

from support import ROOT, missing

sys.path.insert(0, str(ROOT / "scripts"))
from redisinstance import NOT_FOUND, RedisServer, program  # noqa: E402


def start_redis(folder):
    """A running RedisServer in `folder`, or a skip (a failure under CI) without one."""
    if program() is None:
        missing(NOT_FOUND)
    return RedisServer(folder).start()


__all__ = ["RedisServer", "start_redis"]
