"""A real IMAP server for tests: a private dovecot instance on free local ports.

Debian's dovecot-imapd, started in the foreground from a temporary folder with its own
configuration, mail folder, one test user (plain password, allowed because it listens on
127.0.0.1 only) and a certificate from a throw-away CA made with the openssl command (for
the IMAPS and STARTTLS tests). Nothing of the machine's own dovecot setup is used.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from mailsink import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
OPENSSL = shutil.which("openssl")
USER, PASSWORD = "helpdesk", "imap-test-password"


def available():
    return Path(DOVECOT).exists()


class DovecotServer:
    def __init__(self):
        self.host = "127.0.0.1"
        self.port = free_port()
        self.ssl_port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
        self.process = None
        self.ca_file = None

    # --- life cycle ---------------------------------------------------------------------
    def start(self):
        os.chmod(self.folder, 0o755)  # the mail user must reach its folder
        mail_uid, mail_gid, internal, login = self._users()
        for name in ("mail", "home", "run", "state"):
            (self.folder / name).mkdir()
        for name in ("mail", "home"):
            os.chown(self.folder / name, mail_uid, mail_gid)
        (self.folder / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        tls = self._certificates()
        (self.folder / "dovecot.conf").write_text(self._config(
            mail_uid, mail_gid, internal, login, tls))
        with open(self.folder / "stderr.log", "wb") as errors:
            self.process = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(self.folder / "dovecot.conf")],
                stdout=subprocess.DEVNULL, stderr=errors)
        self._wait()
        return self

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def _users(self):
        if os.geteuid() == 0:
            mail = pwd.getpwnam("mail")
            return mail.pw_uid, mail.pw_gid, "dovecot", "dovenull"
        me = pwd.getpwuid(os.geteuid())
        return me.pw_uid, me.pw_gid, me.pw_name, me.pw_name

    def _certificates(self):
        if not OPENSSL:
            return False
        folder = self.folder

        def run(*args):
            subprocess.run([OPENSSL, *args], cwd=folder, check=True, capture_output=True)

        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            "/CN=helpdesk test CA", "-keyout", "ca.key", "-out", "ca.pem")
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", "server.key", "-out", "server.csr")
        (folder / "server.ext").write_text(
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
            "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
        run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.pem")
        os.chmod(folder / "server.key", 0o600)
        self.ca_file = str(folder / "ca.pem")
        return True

    def _config(self, uid, gid, internal, login, tls):
        d = self.folder
        ssl = (f"ssl = yes\nssl_cert = <{d}/server.pem\nssl_key = <{d}/server.key\n"
               if tls else "ssl = no\n")
        imaps = (f"  inet_listener imaps {{\n    address = {self.host}\n"
                 f"    port = {self.ssl_port}\n    ssl = yes\n  }}\n" if tls else "")
        return f"""\
protocols = imap
listen = {self.host}
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
{ssl}disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
{imaps}}}
"""

    def _wait(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                errors = (self.folder / "stderr.log").read_text(errors="replace")
                raise RuntimeError(f"dovecot stopped: {errors}\n{self.log()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not start in {timeout}s\n{self.log()}")

    def log(self):
        try:
            return (self.folder / "dovecot.log").read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    # --- what tests need ----------------------------------------------------------------
    def settings(self, **overrides):
        """App settings that fetch from this server (plain IMAP on localhost)."""
        config = {"IMAP_HOST": self.host, "IMAP_PORT": self.port, "IMAP_SSL": False,
                  "IMAP_STARTTLS": False, "IMAP_USERNAME": USER, "IMAP_PASSWORD": PASSWORD,
                  "IMAP_FOLDER": "INBOX", "IMAP_TIMEOUT": 20.0}
        config.update(overrides)
        return config

    def client(self):
        from imapclient import IMAPClient
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=20)
        client.login(USER, PASSWORD)
        return client

    def deliver(self, *raws, folder="INBOX"):
        """Put mails into a folder, unseen, as a mail server would."""
        client = self.client()
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in raws:
                client.append(folder, raw, flags=())
        finally:
            client.logout()

    def messages(self, folder="INBOX"):
        """{uid: set of flags} of a folder."""
        client = self.client()
        try:
            if not client.folder_exists(folder):
                return {}
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            flags = client.get_flags(uids) if uids else {}
            return {uid: set(f) for uid, f in flags.items()}
        finally:
            client.logout()
