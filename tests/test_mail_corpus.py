"""The 243 real mails of ../shared/corpora/mail, from five help desks' test suites.

Two stories: every mail goes through ingestion without crashing and without being lost
(each becomes a request, a reply, or a deliberate ignore with its reason); and for the
115 Zammad mails that come with Zammad's own parse results (.yml), our parser reads the
same sender, recipients, subject, attachment names and body text.

Where our reading differs from Zammad's on purpose, the difference is listed below with
the reason, and the test checks that we read it our way.
"""

import base64
import html
import re
import unicodedata
from collections import Counter
from email.policy import default

import pytest
import yaml
from support import CORPORA, require_corpus

from helpdesk.extensions import db
from helpdesk.inbound import addresses
from helpdesk.inbound.ingest import NOT_CONTENT, ingest
from helpdesk.inbound.parse import parse
from helpdesk.models import InboundMail, Ticket

MAIL = CORPORA / "mail"
FOLDERS = ("zammad", "zammad-upstream-extra", "otobo", "rt", "freescout", "django-helpdesk")

# Senders Zammad takes and we refuse: the address is invalid or the header ambiguous, so
# such a mail never owns or joins a request (see inbound/addresses.py).
REFUSED_SENDERS = {
    "zammad/mail035": "a quoted local part with no domain",
    "zammad/mail044": "a domain ending in a dot",
    "zammad/mail053": "MAILER-DAEMON without a domain",
    "zammad/mail071": "spaces in the local part",
    "zammad/mail076": "an address followed by junk",
    "zammad/mail081": "a domain without a dot (redacted@redacted)",
    "zammad/mail087": "spaces in the local part",
    "zammad-upstream-extra/mail117": "a malformed encoded-word in From",
    "zammad-upstream-extra/mail118": "an encoded-word as the local part (a spoofing trick)",
}
# Display names where Zammad's reading is the broken one.
OUR_NAME = {
    "zammad/mail046": ("武兰成", "the GB2312 name that Zammad read as Latin-1"),
    "zammad/mail065": ("Bürling, Andreas", "Zammad keeps part of a broken encoded-word"),
}
OUR_SUBJECT = {
    "zammad/mail018": ("Benachrichtung zum Übermittlungsstatus (Fehlgeschlagen)",
                       "we decode the UTF-7 encoded-word; Zammad leaves it as is"),
}
# Attachments: (names Zammad lists that we do not, names we list that Zammad does not).
OUR_ATTACHMENTS = {
    # Inline HTML parts after the text are text to us (a signature, a second page).
    "zammad/mail062": ({"document.html", "document1.html"}, set()),
    "zammad/mail085": ({"document.html"}, set()),
    # A text part without headers after the PDF is the body to us, not a file.
    "zammad/mail087": ({"file"}, set()),
    # The Windows-1258 name: Zammad reads its combining accents as Latin-1.
    "zammad/mail064": ({"Capture d’eìcran 2017-12-27 aÌ 12.22.38.jpg"},
                       {"Capture d\u2019e\u0301cran 2017-12-27 a\u0300 12.22.38.jpg"}),
}
# Bodies whose expected words we do not have, and why.
BODY_EXCEPTIONS = {
    "zammad/mail026": "Zammad's text is the HTML <title>, which is not shown",
    "zammad/mail060": "Zammad's text is mojibake of the mixed UTF-8/Latin-1 body we decode",
}


class _RubyYaml(yaml.SafeLoader):
    """Zammad's .yml files carry Ruby tags (see the corpus README)."""


def _ruby(loader, suffix, node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_RubyYaml.add_multi_constructor("!ruby/", _ruby)
_RubyYaml.add_constructor("!binary", lambda loader, node: base64.b64decode(
    loader.construct_scalar(node)))


def _expected_files():
    if not MAIL.exists():
        return []
    return sorted(MAIL.glob("zammad*/*.yml"))


def _key(path):
    return str(path.relative_to(MAIL).with_suffix(""))


def _words(text):
    text = html.unescape(re.sub(r"<[^>]+>", " ", text or ""))
    return {w.casefold() for w in re.findall(r"\w{3,}", unicodedata.normalize("NFKC", text))}


def _squeezed(text):
    return "".join(re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()))


def _valid(address_text):
    """Valid addresses in a header value, as our strict parser reads them."""
    header = default.header_factory("To", address_text or "")
    return [e.lower() for e in (addresses.check(a.addr_spec, allow_test_domains=True)
                                for a in header.addresses) if e]


@pytest.fixture(scope="module")
def corpus():
    return require_corpus(MAIL)


@pytest.mark.parametrize("expected_file", _expected_files(), ids=_key)
def test_zammad_mail_reads_as_zammad_expects(corpus, expected_file):
    key = _key(expected_file)
    expected = yaml.load(expected_file.read_text(encoding="utf-8"), Loader=_RubyYaml)
    mail = parse(expected_file.with_suffix(".box").read_bytes(), allow_test_domains=True)

    if key in REFUSED_SENDERS:
        assert mail.sender.address is None and mail.sender.problem
    else:
        assert mail.sender.email == (expected["from_email"] or "").lower()
        name, _why = OUR_NAME.get(key, (expected.get("from_display_name") or "", None))
        assert "".join(mail.sender.address.name.split()) == "".join(name.split())

    assert [a.email.lower() for a in mail.to] == _valid(expected.get("to"))

    subject, _why = OUR_SUBJECT.get(key, (expected.get("subject") or "", None))
    assert " ".join(mail.subject.split()) == " ".join(subject.split())

    theirs = Counter(a["filename"] for a in expected.get("attachments") or ()
                     if a["filename"] != "message.html")
    ours = Counter(unicodedata.normalize("NFC", a.filename) for a in mail.attachments)
    only_theirs, only_ours = OUR_ATTACHMENTS.get(key, (set(), set()))
    assert set(theirs - ours) == only_theirs
    assert set(ours - theirs) == {unicodedata.normalize("NFC", n) for n in only_ours}

    body = expected.get("body") or ""
    if body != "no visible content" and key not in BODY_EXCEPTIONS:
        words = _words(body)
        text = _squeezed(mail.text + " " + mail.alternative_text)
        found = sum(1 for w in words if _squeezed(w) in text)
        assert not words or found / len(words) >= 0.8, sorted(w for w in words
                                                               if _squeezed(w) not in text)[:20]


def _mails(folder):
    root = MAIL / folder
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix not in (
        ".yml", ".md", ".tsv") and p.name not in ("NOTICE", "LICENSE", "README")
        and not p.name.startswith("."))


@pytest.mark.slow
@pytest.mark.parametrize("folder", FOLDERS)
def test_every_mail_becomes_a_request_a_reply_or_a_deliberate_ignore(corpus, make_app, folder):
    app = make_app(SUPPORT_ADDRESS="support@help.example.com",
                   EXTERNAL_URL="https://help.example.com")
    files = _mails(folder)
    assert files
    seen_hashes = {}
    with app.app_context():
        for path in files:
            raw = path.read_bytes()
            mail = parse(raw)
            outcome = ingest(raw, source="corpus")
            where = f"{path.relative_to(MAIL)}: {outcome.describe()}"
            assert outcome.kind in ("request", "reply", "ignored", "duplicate"), where
            if outcome.kind == "ignored":
                assert outcome.reason, where
            if outcome.kind == "duplicate":
                assert mail.content_hash in seen_hashes, where  # the very same mail again
            seen_hashes.setdefault(mail.content_hash, path)
            if outcome.kind == "request":
                _files_are_stored_or_listed(mail, Ticket.by_ref(outcome.ticket_ref), where)
        rows = db.session.execute(db.select(InboundMail)).scalars().all()
        assert len(rows) == len(seen_hashes)  # one record per distinct mail: none lost
        assert all(r.status in ("request", "reply", "ignored") for r in rows)


def _files_are_stored_or_listed(mail, ticket, where):
    """Each file the mail carried is on the request, or listed there with the reason."""
    carried = [a for a in mail.attachments if a.content_type not in NOT_CONTENT]
    body = ticket.messages[0].body
    listed = body.split("Files not attached:\n", 1)[1].splitlines() if \
        "Files not attached:\n" in body else []
    assert len(ticket.attachments) + len(listed) == len(carried), where
    assert all(re.match(r"- .+: .+", line) for line in listed), where
