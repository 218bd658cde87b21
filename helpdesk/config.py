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

ARTICLES_DIR = str(Path(__file__).resolve().parent.parent / "articles")
INDEX_DIR = None  # instance/index
UPLOAD_DIR = None  # instance/uploads

SITE_NAME = "Help Center"
REQUEST_TYPES_FILE = None  # the shipped default

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_MAX_COUNT = 5
ATTACHMENT_EXTENSIONS = (
    "png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "log", "csv", "json", "zip",
)

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
RATELIMIT_STORAGE_URI = "memory://"

# Base URL for links in mail; never derived from the Host header.
EXTERNAL_URL = None

# Filing requests (issue 4). Limits use Flask-Limiter's syntax; several separated by ";".
REQUEST_RATE_LIMIT_IP = "10 per minute; 60 per hour"
REQUEST_RATE_LIMIT_EMAIL = "5 per 10 minutes; 20 per day"
# The signed "view your request" link in the confirmation mail works this long.
REQUEST_LINK_MAX_AGE_DAYS = 14

# Outgoing mail. The background sender thread runs inside the web process; deployments
# that deliver from cron or a worker (`helpdesk mail send`) may turn it off.
MAIL_BACKGROUND_SENDER = True
MAIL_SEND_INTERVAL = 5.0  # seconds between looks at the outbox
MAIL_TIMEOUT = 30.0  # SMTP socket timeout, seconds
MAIL_MAX_ATTEMPTS = 20  # then the mail stays in the outbox, marked failed, for a person to see
MAIL_CLAIM_TIMEOUT = 600  # seconds after which a claimed but unsent mail counts as crashed

# How often (seconds) a running app looks for changed article files. Each look is a
# stat() walk of ARTICLES_DIR, so a few seconds keeps it cheap on every keystroke.
KB_CHECK_INTERVAL = 5.0
# Open (or build) the article index when the app starts.
KB_INDEX_ON_START = True
# Index work (first build, rebuild after damage, the periodic check) runs on a background
# thread so no request waits for it; False does it in line with requests (tests, debugging).
KB_BACKGROUND = True

# Search input bounds: user text is cut, never parsed as query syntax.
SEARCH_MAX_QUERY_CHARS = 200
SEARCH_MAX_TERMS = 12
SEARCH_PAGE_SIZE = 10

# Stored search queries (events) are dropped after this many days.
EVENT_RETENTION_DAYS = 180

# Sessions and cookies (DESIGN.md section 6). SESSION_COOKIE_SECURE follows the scheme.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session

MAX_CONTENT_LENGTH = None  # set from the attachment limits in create_app

# Events are buffered in memory and written in one transaction this often (seconds);
# 0 writes nothing until `events.flush()` is called (tests do that).
EVENTS_FLUSH_SECONDS = 2.0

# Synonym groups for search, one group of single words a line ("login, signin, logon");
# the shipped file holds common help-center words; None turns synonyms off.
SEARCH_SYNONYMS_FILE = str(Path(__file__).resolve().parent / "synonyms.txt")
