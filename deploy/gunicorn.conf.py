"""gunicorn settings for production: `gunicorn --config deploy/gunicorn.conf.py`.

Several worker processes, each with a few threads, behind a reverse proxy on the same
host (see deploy/nginx.conf). Every worker builds its own app after the fork
(`preload_app` stays off): the app's background threads (mail sender, statistics,
article index upkeep) belong to one process each. Workers share the database, the
attachments folder, the article index (one writer at a time, through a lock file) and
Redis (REDIS_URL: rate limits and sessions every worker must count and see alike).

Override with environment variables, or with gunicorn's own GUNICORN_CMD_ARGS:
GUNICORN_BIND (default 127.0.0.1:8000), GUNICORN_WORKERS (default 2 x cores + 1, at
most 8), GUNICORN_THREADS (default 8).
"""

import multiprocessing
import os
from pathlib import Path

# Run from the checkout, wherever gunicorn is started: `wsgi.py` lives there.
chdir = str(Path(__file__).resolve().parent.parent)
wsgi_app = "wsgi:app"

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "gthread"
# A browser's kept-alive connection stays with the worker that accepted it, and a few slow
# requests (a password being checked, an upload) could hold all of a worker's 4 threads
# while quick ones (suggestions, one per keystroke) waited behind them. With 8, those wait
# for the interpreter only, not for a free thread.
threads = int(os.environ.get("GUNICORN_THREADS", 8))
preload_app = False

# A request that takes longer than this is a stuck worker; it is killed and replaced (the
# request's transaction rolls back, its stored files are removed by `helpdesk maintenance`).
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak can never grow without bound. Rarely: a new
# worker pays its start-up again (index warm-up, templates, rendered articles) while it
# serves, which every few thousand requests was a tenth or more of the server's work.
max_requests = 50_000
max_requests_jitter = 5_000

# Access log on stdout with the request id the app echoes (X-Request-ID), so a line here
# matches the app's own log lines and the proxy's.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'

# The app decides which X-Forwarded-* headers to trust (PROXY_FIX_* settings, applied by
# Werkzeug's ProxyFix); gunicorn's own trust of them from 127.0.0.1 would be a second,
# silent place for the same decision.
forwarded_allow_ips = ""
