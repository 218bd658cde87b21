"""The background sender: delivers the outbox from inside the web process.

It starts lazily, on the first request the process serves (so a gunicorn worker starts its
own after the fork, and importing or building the app starts nothing), and wakes at once
when a service queues mail. Several workers may each run one: claims in the outbox make
sure a mail is sent once. Turn it off with MAIL_BACKGROUND_SENDER = False and run
`helpdesk mail send` from cron or a worker instead.
"""

import atexit
import logging
import threading

from flask import current_app

from ..extensions import db
from .hook_delivery import deliver_pending
from .outbox import send_pending

log = logging.getLogger(__name__)

EXTENSION_KEY = "helpdesk.outgoing.sender"


class BackgroundSender:
    def __init__(self, app):
        self.app = app
        self.interval = app.config["MAIL_SEND_INTERVAL"]
        self._wake = threading.Event()
        self._stopping = False
        self._lock = threading.Lock()
        self._thread = None

    @property
    def enabled(self):
        return bool(self.app.config["MAIL_BACKGROUND_SENDER"])

    def ensure_started(self):
        if self._thread is not None or not self.enabled:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="helpdesk-mail",
                                                daemon=True)
                self._thread.start()
                # A worker that exits (gunicorn recycling it, a deploy) hands back the mail
                # it claimed instead of leaving it until the claim expires.
                atexit.register(self.stop)

    def wake(self):
        self.ensure_started()
        self._wake.set()

    def stop(self, timeout=10):
        """End the thread after its current batch (tests, and a clean shutdown)."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self):
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stopping:
                return
            try:
                with self.app.app_context():
                    while not self._stopping:
                        sent, failed = send_pending(should_stop=lambda: self._stopping)
                        if not sent or failed:
                            break
                    # Webhooks ride with the mail: the same wake-ups, the same back-off.
                    deliver_pending()
            except Exception:  # the thread must survive a database hiccup
                log.exception("the mail sender could not run")


def init_app(app):
    app.extensions[EXTENSION_KEY] = sender = BackgroundSender(app)

    @app.before_request
    def start_mail_sender():
        sender.ensure_started()


def commit_and_send():
    """Commit the caller's changes with the mail they queued, then wake the sender (after
    the commit: it must find the mail)."""
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    wake()


def wake():
    """Tell this process's sender that new mail is waiting (after a commit)."""
    sender = current_app.extensions.get(EXTENSION_KEY)
    if sender is not None:
        sender.wake()
