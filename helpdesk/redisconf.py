"""Redis for what every process and host must count or see alike: rate limits and sessions.

Off by default (one process, nothing else to install). With `REDIS_URL` set, Flask-Limiter
keeps its counters there (unless `RATELIMIT_STORAGE_URI` names a storage of its own) and
sessions live there (helpdesk/auth/redis_store.py). `RATELIMIT_STORAGE_URI` alone moves
only the limits. See docs/deploying.md.

Short socket timeouts and a single immediate retry keep a dead Redis from making pages
slow: the retry is what reconnects after Redis restarted, since a pooled connection finds
out only on its next command; refused connections fail at once, and every request tries
afresh, so the site recovers by itself.
"""

try:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry
except ImportError:  # the `redis` extra is not installed: REDIS_URL refuses to start
    redis = None

EXTENSION = "helpdesk.redis"
FAILURE_CHOICES = ("open", "closed")
# Flask-Limiter (the `limits` package) storage URIs that mean Redis.
SCHEMES = ("redis://", "rediss://", "redis+unix://", "redis+sentinel://", "redis+cluster://")

# What a Redis that is down, slow or refusing raises (nothing when the package is absent).
ERRORS = (redis.RedisError,) if redis is not None else ()


def connection_options(config):
    """Keyword arguments for every Redis connection of this app."""
    timeout = float(config["REDIS_TIMEOUT"])
    return {"socket_timeout": timeout, "socket_connect_timeout": timeout,
            "retry": Retry(NoBackoff(), 1), "health_check_interval": 0}


def configure(app):
    """Check the Redis settings and point the limiter at Redis; called before extensions
    are bound. Builds the app's client (no connection is made until it is used)."""
    config = app.config
    if config["REDIS_FAILURE"] not in FAILURE_CHOICES:
        raise RuntimeError(f"REDIS_FAILURE must be one of {', '.join(FAILURE_CHOICES)},"
                           f" not {config['REDIS_FAILURE']!r}")
    url = (config.get("REDIS_URL") or "").strip() or None
    config["REDIS_URL"] = url
    storage = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if url and storage == "memory://":
        storage = config["RATELIMIT_STORAGE_URI"] = url
    limits_on_redis = storage.startswith(SCHEMES)
    if (url or limits_on_redis) and redis is None:
        raise RuntimeError("REDIS_URL and redis:// storage need the redis package:"
                           " pip install 'helpdesk[redis]'")
    if limits_on_redis:
        config["RATELIMIT_STORAGE_OPTIONS"] = {**connection_options(config),
                                               **config.get("RATELIMIT_STORAGE_OPTIONS", {})}
    # "open": a limit whose counter cannot be reached is skipped (and logged); "closed":
    # the request is refused with the busy page (web.py).
    config.setdefault("RATELIMIT_SWALLOW_ERRORS", config["REDIS_FAILURE"] == "open")
    if url:
        app.extensions[EXTENSION] = redis.Redis.from_url(url, decode_responses=True,
                                                         **connection_options(config))


def client(app):
    """The app's Redis client, or None when REDIS_URL is not set."""
    return app.extensions.get(EXTENSION)


def fails_open(app):
    return app.config["REDIS_FAILURE"] == "open"
