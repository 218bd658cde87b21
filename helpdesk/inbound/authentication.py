"""How far a mail's sender is proven: is the From address really where the mail came from?

Anyone can write any From header. Two things can prove it:

* the receiving server's verdict, an `Authentication-Results` header (RFC 8601) whose
  authserv-id is one of MAIL_AUTHSERV_IDS: its DMARC result decides when it gave one,
  else a DKIM or SPF pass for the From domain (or a parent of it) does. Only the topmost
  block of such headers counts: the server adds its own above everything the mail
  brought, and a sender can write a header that claims the server's name further down
  (the server should also remove those, RFC 8601 section 5);
* where no trusted header is present at all, our own DKIM check (dkimpy), when
  MAIL_DKIM_VERIFY is on: a valid signature of the From domain or a parent of it,
  covering the From header and the whole body. The public key is fetched over DNS
  (MAIL_DKIM_DNS_SERVERS, else the system's resolver), each lookup bounded by
  MAIL_DKIM_DNS_TIMEOUT, at most MAX_SIGNATURES signatures per mail.

The answer is a `Proof`: proven or not, and how (or why not), in words for the log and
for the record of the mail.
"""

import logging
from dataclasses import dataclass

import authres
import dkim
import dns.exception
import dns.nameserver
import dns.resolver
from dkim.util import InvalidTagValueList, parse_tag_value
from flask import current_app

# dkimpy logs every failed lookup as an error; the Proof says why, so its log is quiet.
_DKIM_LOG = logging.getLogger(__name__ + ".dkimpy")
_DKIM_LOG.setLevel(logging.CRITICAL)

MAX_SIGNATURES = 3  # DKIM signatures of the sender's domain tried per mail (one lookup each)
MAX_EXAMINED = 20  # DKIM-Signature fields read at all, and Authentication-Results fields
MAX_HEADER = 4000  # characters of one Authentication-Results value that we read
MAX_HOW = 300  # characters of an explanation


@dataclass(frozen=True)
class Proof:
    proven: bool
    how: str  # "dmarc=pass by mx.example.com", "dkim verified d=example.com", or why not

    def describe(self):
        return ("sender proven: " if self.proven else "sender not proven: ") + self.how


def _proof(proven, how):
    return Proof(proven, how[:MAX_HOW])


def prove(parsed):
    """The Proof for a ParsedMail's sender (`parsed.sender`), from its headers and bytes."""
    domain = _domain(parsed.sender.email)
    if not domain:
        return _proof(False, "no sender address")
    config = current_app.config
    trusted = _names(config.get("MAIL_AUTHSERV_IDS"))
    found = trusted_results(parsed.message, trusted) if trusted else []
    if found:
        return from_results(found, domain)
    if not config.get("MAIL_DKIM_VERIFY"):
        return _proof(False, "no Authentication-Results from a trusted server, and DKIM is"
                             " not checked here (MAIL_DKIM_VERIFY is off)")
    if "DKIM-Signature" not in parsed.message:
        return _proof(False, "no Authentication-Results from a trusted server and no DKIM"
                             " signature")
    return verify_dkim(parsed.raw, domain, config.get("MAIL_DKIM_DNS_SERVERS"),
                       float(config.get("MAIL_DKIM_DNS_TIMEOUT") or 5.0))


# --- the receiving server's verdict ----------------------------------------------------

def trusted_results(message, trusted):
    """The parsed Authentication-Results of the topmost block whose authserv-id is trusted.

    Read from the top: fields before the block are passed over; the block ends at the
    first field that is not a trusted Authentication-Results, and nothing below it counts.
    The block is near the top, so only the first MAX_EXAMINED such fields are read.
    """
    found, read = [], 0
    for name, value in message.raw_items():
        header = None
        if name.lower() == "authentication-results":
            read += 1
            if read > MAX_EXAMINED:
                break
            header = _parse_results(value)
            if header is not None and header.authserv_id.lower() not in trusted:
                header = None
        if header is not None:
            found.append(header)
        elif found:
            break
    return found


def _parse_results(value):
    value = " ".join(str(value).split())
    if len(value) > MAX_HEADER:
        return None
    try:
        return authres.AuthenticationResultsHeader.parse_value(value)
    except Exception:  # authres raises its own errors, and others on hostile text
        return None


def from_results(headers, domain):
    """The Proof the trusted headers give for mail from `domain`."""
    results = [(h.authserv_id, r) for h in headers for r in h.results]
    dmarc = [(by, r) for by, r in results if r.method.lower() == "dmarc"]
    if dmarc:
        for by, result in dmarc:
            if _verdict(result) == "pass" and _same(_property(result, "header", "from"), domain):
                return _proof(True, f"dmarc=pass by {by}")
        said = ", ".join(f"dmarc={_verdict(r)} for {_property(r, 'header', 'from') or '?'}"
                         for _, r in dmarc)
        return _proof(False, f"{said} by {dmarc[0][0]} (the sender is at {domain})")
    for method, signer in (("dkim", _dkim_signer), ("spf", _spf_domain)):
        for by, result in results:
            if result.method.lower() == method and _verdict(result) == "pass" and \
                    aligned(signer(result), domain):
                return _proof(True, f"{method}=pass d={signer(result)} by {by}")
    seen = ", ".join(f"{r.method}={_verdict(r)}" for _, r in results) or "no results"
    return _proof(False, f"{seen} by {headers[0].authserv_id}: no pass for {domain}")


def _verdict(result):
    return str(result.result or "none").lower()


def _property(result, kind, name):
    for prop in result.properties or ():
        if str(prop.type).lower() == kind and str(prop.name).lower() == name:
            return str(prop.value or "")
    return ""


def _dkim_signer(result):
    return _domain(_property(result, "header", "d") or _property(result, "header", "i"))


def _spf_domain(result):
    return _domain(_property(result, "smtp", "mailfrom"))


# --- our own DKIM check ------------------------------------------------------------------

def verify_dkim(raw, domain, servers=(), timeout=5.0):
    """The Proof from the mail's own DKIM signatures of `domain` (or a parent of it)."""
    try:
        checker = dkim.DKIM(raw, logger=_DKIM_LOG, minkey=1024, timeout=timeout)
    except Exception as exc:  # a mail dkimpy cannot read carries no proof
        return _proof(False, f"DKIM: the mail cannot be read ({exc.__class__.__name__})")
    lookup = KeyLookup(servers, timeout)
    problems, tried = [], 0
    signatures = [v for n, v in checker.headers if n.lower() == b"dkim-signature"]
    for index, value in enumerate(signatures[:MAX_EXAMINED]):
        signer, problem = _usable(value, domain)
        if problem is None and tried >= MAX_SIGNATURES:
            problem = "too many signatures"
        if problem is None:
            tried += 1
            if _check(checker, index, lookup):
                return _proof(True, f"dkim verified d={signer}")
            problem = lookup.problem or "the signature does not verify"
        problems.append(f"d={signer or '?'}: {problem}")
    return _proof(False, "DKIM: " + "; ".join(problems))


def _usable(value, domain):
    """(the signing domain, None) for a signature worth verifying, else (domain, why not)."""
    try:
        tags = parse_tag_value(value)
    except (InvalidTagValueList, ValueError):
        return "", "an unreadable signature"
    signer = tags.get(b"d", b"").decode("ascii", "replace").lower()
    signed = [h.strip().lower() for h in tags.get(b"h", b"").split(b":")]
    if not aligned(signer, domain):
        return signer, f"not the sender's domain {domain}"
    if b"from" not in signed:
        return signer, "the From header is not signed"
    if b"l" in tags:
        return signer, "signs only part of the body (l=)"
    return signer, None


def _check(checker, index, lookup):
    lookup.problem = None
    try:
        return bool(checker.verify(index, dnsfunc=lookup))
    except Exception as exc:  # dkimpy raises on bad signatures, keys and messages
        # dkimpy's words without the hash values it appends ("body hash mismatch (got...").
        lookup.problem = lookup.problem or str(exc).split(" (")[0][:120] or \
            exc.__class__.__name__
        return False


class KeyLookup:
    """dkimpy's DNS hook: the TXT record of a key, through the configured resolver."""

    def __init__(self, servers, timeout):
        self.timeout = timeout
        self.resolver = resolver_for(servers)
        self.problem = None

    def __call__(self, name, timeout=None):
        name = name.decode("ascii", "replace") if isinstance(name, bytes) else str(name)
        try:
            answer = self.resolver.resolve(name, "TXT", lifetime=timeout or self.timeout,
                                           raise_on_no_answer=False, search=False)
        except dns.exception.Timeout:
            self.problem = f"no answer for the key {name} in time"
            raise dkim.DnsTimeoutError(self.problem) from None
        except (dns.exception.DNSException, OSError) as exc:
            self.problem = f"no key published at {name} ({exc.__class__.__name__})"
            return None
        records = [b"".join(r.strings) for r in answer.rrset or ()]
        keys = [r for r in records if r.lstrip().startswith(b"v=DKIM1")] or records
        if not keys:
            self.problem = f"no key published at {name}"
        return keys[0] if keys else None


def resolver_for(servers):
    """A dnspython resolver: the given "address" or "address:port" servers, else the
    system's. A wrong setting raises ValueError naming it (the mail is kept for retry)."""
    servers = _names(servers, lower=False)
    if not servers:
        return dns.resolver.Resolver()
    resolver = dns.resolver.Resolver(configure=False)
    try:
        resolver.nameservers = [dns.nameserver.Do53Nameserver(*_host_port(s))
                                for s in servers]
    except ValueError:
        raise ValueError(f"MAIL_DKIM_DNS_SERVERS: {', '.join(servers)} is not a list of IP"
                         " addresses with optional ports (127.0.0.1:5353, [::1]:53)") from None
    return resolver


def _host_port(server):
    if server.startswith("["):  # [::1]:5353
        host, _, port = server[1:].partition("]")
        return host, int(port.lstrip(":") or 53)
    if server.count(":") == 1:
        host, port = server.split(":")
        return host, int(port)
    return server, 53


# --- domains -------------------------------------------------------------------------------

def aligned(signer, domain):
    """True when `signer` is `domain` or a parent of it: whoever holds a domain's DNS holds
    its subdomains' too, so its signature speaks for them."""
    signer, domain = _ascii(signer), _ascii(domain)
    return bool(signer) and "." in signer and (domain == signer or
                                               domain.endswith("." + signer))


def _same(one, other):
    return bool(one) and _ascii(one) == _ascii(other)


def _domain(address):
    return (address or "").rpartition("@")[2].strip().strip(".").lower()


def _ascii(domain):
    domain = (domain or "").strip().strip(".").lower()
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def _names(value, lower=True):
    """A setting given as a list or as one comma- or space-separated string."""
    if not value:
        return ()
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return tuple(str(v).strip().lower() if lower else str(v).strip() for v in value
                 if str(v).strip())
