"""Handing mail to the SMTP server (or to the log when none is configured)."""

import logging
import smtplib
import ssl
from email.utils import parseaddr

log = logging.getLogger(__name__)


class ServerUnavailable(Exception):
    """No connection to the SMTP server: every mail of the batch has to wait."""


class Transport:
    """One SMTP connection per batch, opened on first use; the log when no server is set."""

    def __init__(self, config):
        self.config = config
        self.smtp = None

    def send(self, message, recipients):
        if not self.config.get("MAIL_SERVER"):
            log.info("No MAIL_SERVER set; mail not sent, listed on /dev/outbox in debug mode:\n%s",
                     message.as_string())
            return
        if self.smtp is None:
            try:
                self.smtp = self._connect()
            except (OSError, smtplib.SMTPException) as exc:
                raise ServerUnavailable(f"{exc.__class__.__name__}: {exc}") from exc
        envelope_from = parseaddr(message["From"])[1]
        self.smtp.send_message(message, from_addr=envelope_from,
                               to_addrs=[parseaddr(a)[1] for a in recipients])

    def _connect(self):
        c = self.config
        timeout = c["MAIL_TIMEOUT"]
        if c["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=timeout)
            if c["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
        if c.get("MAIL_USERNAME"):
            smtp.login(c["MAIL_USERNAME"], c.get("MAIL_PASSWORD") or "")
        return smtp

    def reset(self):
        """Drop the connection after a failed mail; the next one reconnects."""
        self.close()

    def close(self):
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.smtp = None
