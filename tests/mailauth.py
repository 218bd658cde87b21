"""Proving who sent a mail, for tests: a real DNS server on loopback that publishes DKIM
keys, real RSA keys (made by openssl) that sign test mails with dkimpy, and the
Authentication-Results header a receiving server would add.

The DNS server is dnslib's, answering on 127.0.0.1 from a table the test fills; the app
reaches it through MAIL_DKIM_DNS_SERVERS, the same way a site points at its own resolver.
Nothing here asks the machine's resolver or leaves the machine.
"""

import base64
import subprocess
import threading

import dkim
from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer

RECEIVING_SERVER = "mx.help.example.com"  # the authserv-id the test apps trust


class KeyTable(BaseResolver):
    """Answers TXT questions from `records` (name -> text); anything else: no such name."""

    def __init__(self):
        self.records = {}
        self.questions = []
        self.lock = threading.Lock()

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).lower().rstrip(".")
        with self.lock:
            self.questions.append(name)
            text = self.records.get(name)
        if text is None or request.q.qtype != QTYPE.TXT:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        chunks = [text[i:i + 255] for i in range(0, len(text), 255)]  # one TXT string <= 255
        reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(chunks), ttl=60))
        return reply


class LoopbackDNS:
    """A UDP DNS server on 127.0.0.1 (a free port) serving a KeyTable."""

    def __init__(self):
        self.table = KeyTable()
        self.server = DNSServer(self.table, address="127.0.0.1", port=0,
                                logger=DNSLogger(logf=lambda *args: None))

    @property
    def address(self):
        return f"127.0.0.1:{self.server.server.server_address[1]}"

    def start(self):
        self.server.start_thread()
        return self

    def stop(self):
        self.server.stop()
        self.server.server.server_close()

    def publish(self, key):
        self.table.records[f"{key.selector}._domainkey.{key.domain}"] = key.txt_record()

    def forget_all(self):
        self.table.records.clear()
        self.table.questions.clear()


class DkimKey:
    """An RSA key for `domain` under `selector`, made by openssl, signing with dkimpy."""

    def __init__(self, domain, selector="s2026", bits=2048):
        self.domain, self.selector = domain, selector
        self.private_pem = subprocess.run(
            ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}"],
            check=True, capture_output=True).stdout
        self.public_der = subprocess.run(
            ["openssl", "pkey", "-pubout", "-outform", "DER"], input=self.private_pem,
            check=True, capture_output=True).stdout

    def txt_record(self):
        return "v=DKIM1; k=rsa; p=" + base64.b64encode(self.public_der).decode("ascii")

    def sign(self, raw, headers=(b"from", b"to", b"subject", b"date", b"message-id",
                                  b"in-reply-to", b"references"), domain=None, length=False):
        """`raw` with a DKIM-Signature on top, as the sender's server would send it."""
        signature = dkim.sign(raw, self.selector.encode(), (domain or self.domain).encode(),
                              self.private_pem, include_headers=list(headers), length=length,
                              linesep=b"\n")
        return signature + raw


def authentication_results(raw, results, by=RECEIVING_SERVER):
    """`raw` as the receiving server hands it on: its Authentication-Results on top."""
    return f"Authentication-Results: {by};\n {results}\n".encode() + raw
