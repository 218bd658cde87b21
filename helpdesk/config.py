"""Default settings.

Plain constants only: nothing here reads the environment or the disk at import time.
`create_app` layers `instance/config.py`, `HELPDESK_<KEY>` environment variables and the
test mapping on top, and fills in the values that depend on the instance folder (marked
`None` below).
"""

from pathlib import Path

# Generated once into instance/secret_key when left unset; never shipped.
SECRET_KEY = None

# Default: a SQLite file in the instance folder.
SQLALCHEMY_DATABASE_URI = None
SQLALCHEMY_TRACK_MODIFICATIONS = False
# Seconds a statement waits for a lock another process holds before the request
# gives up with a "try again" page (503).
DATABASE_LOCK_TIMEOUT = 15.0

ARTICLES_DIR = str(Path(__file__).resolve().parent.parent / "articles")
INDEX_DIR = None  # instance/index
UPLOAD_DIR = None  # instance/uploads

SITE_NAME = "Help Center"
# The help center's default language, and every language it offers (pages, mail, articles).
DEFAULT_LOCALE = "en"
SUPPORTED_LOCALES = ("en", "fr")
REQUEST_TYPES_FILE = None  # the shipped default

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_MAX_COUNT = 5
ATTACHMENT_EXTENSIONS = (
    "png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "log", "csv", "json", "zip",
    "eml",  # mail, e.g. a forwarded message kept from inbound mail
)
# `helpdesk maintenance` removes stored files no request refers to once they are this old
# (seconds): younger ones may belong to a request still being saved.
UPLOAD_ORPHAN_MIN_AGE = 3600

MAIL_SERVER = None
MAIL_PORT = 25
MAIL_USE_TLS = False
MAIL_USE_SSL = False
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_DEFAULT_SENDER = None

SUPPORT_ADDRESS = None
AGENT_NOTIFY_ADDRESS = None

IMAP_HOST = None
IMAP_PORT = 993
IMAP_SSL = True
IMAP_STARTTLS = False
IMAP_USERNAME = None
IMAP_PASSWORD = None
IMAP_FOLDER = "INBOX"

REOPEN_DAYS = 14
AUTO_CLOSE_DAYS = 7

RATELIMIT_ENABLED = True
# Where limit counters live: "memory://" counts in each process on its own; several
# workers or hosts need a shared storage ("redis://host:6379/0"). REDIS_URL sets it too.
RATELIMIT_STORAGE_URI = "memory://"

# Redis (the `redis` extra) for what every worker and host must count or see alike: rate
# limits and sessions (helpdesk/redisconf.py). "redis://host:6379/0" or "rediss://...";
# None keeps limits in memory and sessions in the database.
REDIS_URL = None
# When Redis cannot be reached: "closed" refuses what needs a limit with a 503 "Service
# busy, try again" page; "open" skips the limit (and logs it). Sessions on Redis cannot
# fail open: a page that needs the session answers the same 503 until Redis is back.
REDIS_FAILURE = "closed"
# Seconds to connect to Redis or wait for an answer, so a dead Redis is never slow.
REDIS_TIMEOUT = 1.0
# Key names start with this, so several sites can share one Redis database.
REDIS_KEY_PREFIX = "helpdesk"

# Base URL for links in mail; never derived from the Host header.
EXTERNAL_URL = None

# Behind a reverse proxy: how many proxies set each X-Forwarded-* header (0 = do not trust
# it; a visitor could send it). Typical nginx in front: PROXY_FIX_X_FOR = 1 and
# PROXY_FIX_X_PROTO = 1. See helpdesk/middleware.py.
PROXY_FIX_X_FOR = 0
PROXY_FIX_X_PROTO = 0
PROXY_FIX_X_HOST = 0
PROXY_FIX_X_PORT = 0
PROXY_FIX_X_PREFIX = 0

# Log lines on standard error: "text", "keyvalue" or "json", each with the request id;
# "" leaves logging to the host. See helpdesk/logs.py.
LOG_FORMAT = "text"
LOG_LEVEL = "INFO"

# Filing requests. Limits use Flask-Limiter's syntax; several separated by ";".
REQUEST_RATE_LIMIT_IP = "10 per minute; 60 per hour"
REQUEST_RATE_LIMIT_EMAIL = "5 per 10 minutes; 20 per day"
# Previews of a reply (requester: per client address; agent: per agent). Each renders up to
# 20,000 characters of Markdown, so they are counted like replies, in a budget of their own.
PREVIEW_RATE_LIMIT = "10 per minute; 60 per hour"
# The signed "view your request" link in the confirmation mail works this long.
REQUEST_LINK_MAX_AGE_DAYS = 14

# Outgoing mail. The background sender thread runs inside the web process; deployments
# that deliver from cron or a worker (`helpdesk mail send`) may turn it off.
MAIL_BACKGROUND_SENDER = True
MAIL_SEND_INTERVAL = 5.0  # seconds between looks at the outbox
MAIL_TIMEOUT = 30.0  # SMTP socket timeout, seconds
MAIL_MAX_ATTEMPTS = 20  # then the mail stays in the outbox, marked failed, for a person to see
MAIL_CLAIM_TIMEOUT = 600  # seconds after which a claimed but unsent mail counts as crashed
MAIL_CLAIM_BATCH = 10  # mails one sender claims at a time (others take the rest)
OUTBOX_RETENTION_DAYS = 30  # `helpdesk maintenance` drops mail delivered before this

# How often (seconds) a running app looks for changed article files. Each look is a
# stat() walk of ARTICLES_DIR, so a few seconds keeps it cheap on every keystroke.
KB_CHECK_INTERVAL = 5.0
# Open (or build) the article index when the app starts.
KB_INDEX_ON_START = True
# Index work (first build, rebuild after damage, the periodic check) runs on a background
# thread so no request waits for it; False does it in line with requests (tests, debugging).
KB_BACKGROUND = True
# After a start (background only), score this many of the most frequent words ahead of the
# first keystrokes, so the first visitors do not pay for filling the search caches.
KB_WARM_TERMS = 300

# Semantic search (the `semantic` extra): the name of a model `helpdesk kb model` makes in
# the instance folder ("all-MiniLM-L6-v2"), or a folder holding one. Empty: words only.
SEARCH_SEMANTIC_MODEL = ""

# Search input bounds: user text is cut, never parsed as query syntax.
SEARCH_MAX_QUERY_CHARS = 200
SEARCH_MAX_TERMS = 12
SEARCH_PAGE_SIZE = 10

# Stored search queries (events) are dropped after this many days.
EVENT_RETENTION_DAYS = 180

# Sessions live on the server (web_session rows, or Redis with REDIS_URL); the cookie
# holds a random key and is Secure whenever the page came over https. A session ends
# after SESSION_LIFETIME seconds without a request (or at sign-out); "keep me signed in"
# makes it last REMEMBER_COOKIE_DURATION. Expiry moves on at most every
# SESSION_REFRESH_EVERY seconds.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_LIFETIME = 24 * 3600
SESSION_REFRESH_EVERY = 600
WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session

MAX_CONTENT_LENGTH = None  # set from the attachment limits in create_app
# Text is held in memory, files stream to disk: each text field of a form, and any body
# that is not multipart (a urlencoded form), may hold this many bytes. The longest field
# (20,000 characters) takes at most 240 KB urlencoded. Larger answers 413.
MAX_FORM_MEMORY_SIZE = 512 * 1024
# Fields and files in one multipart form (the request form has about 30 with five files).
MAX_FORM_PARTS = 200

# Events are buffered in memory and written in one transaction this often (seconds);
# 0 writes nothing until `events.flush()` is called (tests do that).
EVENTS_FLUSH_SECONDS = 2.0

# Synonym groups for search, one group of single words a line ("login, signin, logon");
# the shipped file holds common help-center words; None turns synonyms off.
SEARCH_SYNONYMS_FILE = str(Path(__file__).resolve().parent / "synonyms.txt")

# Accounts and following requests. Limits use Flask-Limiter's syntax.
# Mail sent by sign-in links, registration and reset: per client address, and per email
# address typed (counting mail sent).
AUTH_RATE_LIMIT_IP = "10 per minute; 60 per hour"
AUTH_RATE_LIMIT_EMAIL = "5 per 10 minutes; 20 per day"
# Wrong passwords (helpdesk/auth/throttle.py): only failures count. Per account and client
# address; per client address over all accounts; per account from browsers that never
# signed in to it; per account from one browser that did (its device cookie).
AUTH_PASSWORD_FAILURES_PER_SOURCE = "5 per 15 minutes"
AUTH_PASSWORD_FAILURES_PER_IP = "30 per 15 minutes; 100 per day"
AUTH_PASSWORD_FAILURES_PER_ACCOUNT = "30 per hour; 100 per day"
AUTH_PASSWORD_FAILURES_PER_DEVICE = "10 per 15 minutes"
# How long emailed links work (seconds). Sign-in and reset links work once.
LOGIN_LINK_MAX_AGE = 20 * 60
PASSWORD_RESET_MAX_AGE = 60 * 60
EMAIL_VERIFY_MAX_AGE = 2 * 24 * 3600  # registration and a changed address
# werkzeug's generate_password_hash method: scrypt (memory-hard). Tests use a fast one.
PASSWORD_HASH_METHOD = "scrypt"
PASSWORD_MIN_LENGTH = 10
# Changing one's address without a password needs a sign-in this recent (seconds).
REAUTH_MAX_AGE = 10 * 60
# "Keep me signed in": how long such a session lasts (seconds).
REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
# My requests: rows per page.
MY_REQUESTS_PAGE_SIZE = 20

# Incoming mail: `helpdesk mail ingest [FILE]` (an MTA pipe), `helpdesk mail
# fetch` (IMAP, from cron) and `helpdesk mail retry`. See docs/email.md.
IMAP_TIMEOUT = 60.0  # seconds for one IMAP network operation
IMAP_CA_FILE = None  # a CA bundle (PEM) that signed a private IMAP server's certificate
IMAP_DONE_FOLDER = None  # handled mail is moved here; None flags it \Seen where it is
IMAP_BATCH = 100  # messages one fetch run handles at most (the rest wait for the next run)
# Requests made from mail get this request type; a mail that carries the app's device
# details gets MAIL_APP_REQUEST_TYPE (with its "application" field set to "mobile").
MAIL_REQUEST_TYPE = "something-else"
MAIL_APP_REQUEST_TYPE = "technical-support"
MAIL_INGEST_MAX_BYTES = 40 * 1024 * 1024  # larger mail is kept for an admin, not parsed
MAIL_KEPT_DIR = None  # mail that could not be handled, raw (0600); default instance/mail/kept
# A claim on a mail being handled counts as crashed after this many seconds.
MAIL_INGEST_CLAIM_TIMEOUT = 600
# Languages whose reply headers ("On ... wrote:") the quote stripper recognises.
MAIL_REPLY_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl", "sv", "da", "ja")
# Accept sender addresses in reserved test domains (example.test); for test setups only.
MAIL_ALLOW_TEST_DOMAINS = False
# Whose word on a sender we take (see helpdesk/inbound/authentication.py). A mail
# whose From address is not proven still becomes a request, but never changes a request's
# status, never speaks for an agent, and joins a request only in a participant's name,
# marked "Sender not verified" for agents.
# The authserv-id(s) of the receiving mail server: its Authentication-Results headers
# (DMARC, DKIM, SPF verdicts) are trusted; none by default, since anyone can write one.
MAIL_AUTHSERV_IDS = ()
# Where no trusted Authentication-Results header is present, verify DKIM signatures here.
MAIL_DKIM_VERIFY = True
# DNS servers for DKIM key lookups, "host" or "host:port" ("127.0.0.1:5353", "[::1]:53");
# empty: the system's resolver (/etc/resolv.conf).
MAIL_DKIM_DNS_SERVERS = ()
MAIL_DKIM_DNS_TIMEOUT = 5.0  # seconds for one key lookup (at most 3 lookups per mail)

# The agent desk. An agent's or admin's session ends after this many seconds
# without a request (checked server-side on every request; see helpdesk/agent/access.py).
AGENT_IDLE_TIMEOUT = 2 * 3600
# Rows per page of the agents' queue (/agent/).
AGENT_QUEUE_PAGE_SIZE = 25

# --- the JSON API (helpdesk/api/) ---------------------------------------------------------
# Calls per token (per client address for calls without one); Flask-Limiter's syntax.
API_RATE_LIMIT = "120 per minute; 3000 per hour"
API_PAGE_SIZE = 20  # requests per page of a list
# flask-smorest's keys: the OpenAPI document is served at /api/v1/openapi.json.
API_TITLE = "Help desk API"
API_VERSION = "v1"
OPENAPI_VERSION = "3.1.0"
OPENAPI_URL_PREFIX = "/api/v1"
OPENAPI_JSON_PATH = "openapi.json"

# --- webhooks (helpdesk/outgoing/webhooks.py) -----------------------------------------------
WEBHOOKS_ENABLED = True
# Deliveries to private, loopback and link-local addresses are refused unless this is set
# (a hook must not reach into the internal network). Tests and closed networks set it.
WEBHOOK_ALLOW_PRIVATE = False
WEBHOOK_TIMEOUT = 5.0  # seconds for one delivery
WEBHOOK_RETRY_SECONDS = 30  # first retry after this; each next one waits twice as long
WEBHOOK_MAX_ATTEMPTS = 10  # a delivery is given up after this many
WEBHOOK_PAUSE_AFTER = 5  # failures in a row that pause a hook (the admins are mailed)
