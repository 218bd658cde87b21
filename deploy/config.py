# instance/config.py for production (copy it there and fill in the blanks). Every host of a
# several-host site gets the same file and the same instance/secret_key; see
# docs/deploying.md for each key.

SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://helpdesk@/helpdesk"  # local socket
# Rate limits and sessions shared by every worker (and host): without it, each of the
# gunicorn workers counts limits on its own.
REDIS_URL = "redis://localhost:6379/0"
# While Redis is away: "closed" answers "Service busy, try again" where a limit is needed;
# "open" skips the limit (and logs it).
REDIS_FAILURE = "closed"

EXTERNAL_URL = "https://help.example.com"
PROXY_FIX_X_FOR = 1  # nginx sets X-Forwarded-For ...
PROXY_FIX_X_PROTO = 1  # ... and X-Forwarded-Proto

# Several hosts: one attachments folder every host mounts; the index stays on local disk.
# UPLOAD_DIR = "/srv/shared/helpdesk-uploads"
# INDEX_DIR = "/var/lib/helpdesk/index"

MAIL_SERVER = "smtp.example.com"
MAIL_PORT = 587
MAIL_USE_TLS = True
MAIL_USERNAME = "help@example.com"
MAIL_PASSWORD = "..."
MAIL_DEFAULT_SENDER = "Acme Help <help@example.com>"
SUPPORT_ADDRESS = "support@example.com"
