"""Reading a raw mail: charsets, names, broken MIME, HTML, forwarded mail, addresses.

These are parser-level stories: what an agent would read, and which address we would
trust, for mails the way real mail programs (and attackers) write them.
"""

import base64
import email
from email.policy import default

from inbound import build

from helpdesk.inbound import device, replies
from helpdesk.inbound.ingest import summary_from
from helpdesk.inbound.parse import parse


def raw(text):
    return text.replace("\n", "\r\n").encode("latin-1")


def test_a_plain_mail_gives_sender_subject_and_text():
    mail = parse(build(sender="Ann Example <ann@example.org>", subject="Export fails",
                       body="Nothing happens when I click Export."))
    assert mail.sender.email == "ann@example.org"
    assert mail.sender.address.name == "Ann Example"
    assert mail.subject == "Export fails"
    assert mail.text == "Nothing happens when I click Export."


def test_encoded_word_subjects_and_names_are_decoded_in_their_charsets():
    mail = parse(raw("From: =?iso-8859-1?Q?J=FCrgen_M=FCller?= <jm@example.org>\n"
                     "To: support@example.com\n"
                     "Subject: =?koi8-r?B?8NLJ18XU?= =?utf-8?Q?_=E2=80=93_Gr=C3=BC=C3=9Fe?=\n"
                     "\nHallo\n"))
    assert mail.sender.address.name == "Jürgen Müller"
    assert mail.subject == "Привет – Grüße"


def test_a_body_in_a_legacy_charset_reads_as_text():
    mail = parse(raw("From: a@example.org\nSubject: x\nMIME-Version: 1.0\n"
                     "Content-Type: text/plain; charset=iso-8859-15\n"
                     "Content-Transfer-Encoding: quoted-printable\n\nPreis: 10 =A4, sch=F6n\n"))
    assert mail.text == "Preis: 10 €, schön"


def test_a_wrong_charset_label_still_reads_right():
    body = "Grüße aus Köln".encode()
    mail = parse(b"From: a@example.org\r\nSubject: x\r\nContent-Type: text/plain; charset=us-ascii"
                 b"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body)
    assert mail.text == "Grüße aus Köln"


def test_raw_eight_bit_headers_use_the_charset_the_message_names():
    subject = "报告问题".encode("gb2312")
    mail = parse(b"From: a@example.org\r\nSubject: " + subject +
                 b"\r\nContent-Type: text/plain; charset=gb2312\r\n\r\n" + "正文".encode("gb2312"))
    assert mail.subject == "报告问题"
    assert mail.text == "正文"


def test_attachment_names_in_rfc2231_and_rfc2047_forms_are_decoded():
    mail = parse(raw(
        "From: a@example.org\nSubject: files\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nsee files\n"
        "--b\nContent-Type: text/plain\n"
        "Content-Disposition: attachment; filename*=utf-8''Erkl%C3%A4rung%20neu.txt\n\nx\n"
        "--b\nContent-Type: text/plain; name=\"=?utf-8?Q?R=C3=A9sum=C3=A9=2Etxt?=\"\n"
        "Content-Disposition: attachment\n\ny\n--b--\n"))
    assert [a.filename for a in mail.attachments] == ["Erklärung neu.txt", "Résumé.txt"]


def test_an_html_only_mail_becomes_readable_text_without_markup():
    mail = parse(build(body=None, html="<html><head><style>p{color:red}</style>"
                                       "<script>alert(1)</script></head><body>"
                                       "<p>Hello <b>team</b>,</p><ul><li>step one</li>"
                                       "<li>step two</li></ul></body></html>"))
    assert "Hello team," in mail.text
    assert "step one" in mail.text and "step two" in mail.text
    assert "<" not in mail.text and "alert" not in mail.text and "color" not in mail.text


def test_text_after_the_end_of_an_html_document_is_kept():
    mail = parse(build(body=None, html="<html><body><p>First part</p></body></html>"
                                       "<p>Footer after the document</p>"))
    assert "First part" in mail.text and "Footer after the document" in mail.text


def test_a_forwarded_message_is_kept_whole_as_an_eml_attachment():
    inner = email.message_from_bytes(build(sender="customer@example.net",
                                           subject="Original question",
                                           body="The original words."), policy=default)
    outer = email.message_from_bytes(build(subject="Fwd: Original question", body="See below."),
                                     policy=default)
    outer.add_attachment(inner)
    mail = parse(outer.as_bytes())
    forwarded = [a for a in mail.attachments if a.content_type == "message/rfc822"]
    assert [a.filename for a in forwarded] == ["Original question.eml"]
    assert b"The original words." in forwarded[0].data
    assert mail.text == "See below."


def test_a_forwarded_message_with_an_odd_name_still_ends_in_eml():
    inner = build(sender="customer@example.net", subject="Original", body="Words.")
    mail = parse(build(subject="Fwd", body="See below.",
                       attachments=[("forwarded", inner, "message/rfc822")]))
    assert [a.filename for a in mail.attachments] == ["forwarded.eml"]
    assert b"Words." in mail.attachments[0].data


def test_nul_bytes_and_control_characters_never_reach_the_text():
    mail = parse(b"From: a@example.org\r\nSubject: a\x00b\r\n\r\nline one\x00\x07\r\nline two\r\n")
    assert mail.text == "line one\nline two"
    assert "\x00" not in mail.subject


def test_a_multipart_without_boundaries_still_gives_its_text():
    mail = parse(raw("From: a@example.org\nSubject: broken\nMIME-Version: 1.0\n"
                     'Content-Type: multipart/mixed; boundary="missing"\n\nJust some text.\n'))
    assert mail.text == "Just some text."
    assert mail.attachments == []


def test_headers_after_a_badly_folded_line_are_still_read():
    mail = parse(raw("Received: from x\nX-Tracker: AAAA\nBBBBBBBB\nFrom: late@example.org\n"
                     "Subject: still here\n\nbody\n"))
    assert mail.sender.email == "late@example.org"
    assert mail.subject == "still here"
    assert mail.text == "body"


def test_a_missing_blank_line_before_the_body_loses_no_text():
    mail = parse(raw("From: a@example.org\nSubject: no separator\nThis is the body.\n"))
    assert mail.subject == "no separator"
    assert "This is the body." in mail.text


def test_microsoft_iso_2022_jp_with_nec_characters_decodes():
    body = base64.b64decode("GyRCISEhISEhISEhIS0hIzFFVCMzOCkkTjAzJEghIhsoQg==")
    mail = parse(b"From: a@example.org\r\nSubject: x\r\nContent-Type: text/plain; "
                 b"charset=ISO-2022-JP\r\n\r\n" + body)
    assert mail.text.strip("\u3000") == "①１都３県の鯵と、"


def test_a_mislabelled_encoded_word_name_is_read_with_a_related_charset():
    word = base64.b64encode("ツール".encode("cp932")).decode()
    mail = parse(raw(f"From: =?ISO-2022-JP?B?{word}?= <bar@example.org>\nSubject: x\n\nbody\n"))
    assert mail.sender.email == "bar@example.org"
    assert mail.sender.address.name == "ツール"


# --- addresses: strict, never the lenient legacy parser -----------------------------------

def test_the_address_parseaddr_misreads_is_not_trusted():
    # CVE-2023-27043: the legacy parser reads "alice@example.org" from this header.
    mail = parse(raw("From: alice@example.org)<bob@evil.example>\nSubject: x\n\nbody\n"))
    assert mail.sender.email != "alice@example.org"


def test_a_from_made_of_broken_encoded_words_is_not_trusted():
    mail = parse(raw("From: =?utf-8?Q?attacker?Q?agent?=@victim.example\nSubject: x\n\nbody\n"))
    assert mail.sender.address is None
    assert "encoded-words" in mail.sender.problem


def test_an_encoded_word_cannot_smuggle_a_second_address_into_from():
    word = base64.b64encode(b"agent@victim.example>, <x").decode()
    mail = parse(raw(f"From: =?utf-8?B?{word}?= <attacker@evil.example>\nSubject: x\n\nbody\n"))
    assert mail.sender.email == "attacker@evil.example"


def test_an_invalid_from_address_gives_no_sender_and_says_why():
    mail = parse(raw('From: "Test test"@example.com <>\nSubject: x\n\nbody\n'))
    assert mail.sender.address is None
    assert mail.sender.problem


def test_a_from_without_address_falls_back_to_reply_to():
    mail = parse(raw("From: Someone <>\nReply-To: <real@example.org>\nSubject: x\n\nbody\n"))
    assert mail.sender.email == "real@example.org"


# --- what becomes of the text ------------------------------------------------------------

def test_a_reply_loses_its_quoted_history_and_signature():
    text = ("Thanks, that fixed it!\n\nBest regards,\nAnna\n\nSent from my iPhone\n\n"
            "On Tue, 3 Dec 2024 at 10:00, Support <support@example.com> wrote:\n"
            "> Please try again.\n")
    assert replies.latest_reply(text) == "Thanks, that fixed it!"


def test_a_german_reply_header_is_recognised():
    text = ("Ja, geht wieder.\n\nAm 03.12.2024 um 10:00 schrieb Support "
            "<support@example.com>:\n> Bitte nochmal probieren.\n")
    assert replies.latest_reply(text) == "Ja, geht wieder."


def test_stripping_that_would_leave_nothing_keeps_the_whole_text():
    assert replies.latest_reply("> everything is quoted\n> here") == \
        "> everything is quoted\n> here"


def test_a_long_subject_becomes_a_shortened_summary_cut_at_a_word():
    subject = "The export " + "really " * 60 + "fails"
    summary = summary_from(subject, "")
    assert len(summary) <= 255
    assert summary.endswith("…")
    assert subject.startswith(summary[:-1])
    assert not summary[:-1].endswith(" ")


def test_a_mail_without_subject_is_summarised_by_its_first_line():
    assert summary_from("", "\n\nMy invoice is wrong.\nDetails follow.") == "My invoice is wrong."


def test_the_apps_device_details_block_is_read():
    text = ("The app crashes when I open Settings.\n\n-- \nApp version: 3.2.1\nOS: Android 14\n"
            "Device: Pixel 7\n")
    assert device.details(text) == {"app_version": "3.2.1", "app_os": "Android 14",
                                    "app_device": "Pixel 7"}


def test_device_details_in_quoted_history_are_not_read():
    assert device.details("Works now.\n> App version: 1.0\n> OS: iOS 17\n") is None


def test_device_detail_values_are_cleaned_and_bounded():
    found = device.details("App version: 3.2.1<script>alert(1)</script>" + "9" * 200)
    assert "<" not in found["app_version"] and len(found["app_version"]) <= 80


def test_the_documented_mailto_link_carries_details_support_reads_back():
    from urllib.parse import parse_qs, urlsplit
    link = device.mailto_link("support@help.example.com", app_version="3.2.1",
                              os="Android 14", device="Pixel 7")
    parts = urlsplit(link)
    assert parts.scheme == "mailto" and parts.path == "support@help.example.com"
    body = parse_qs(parts.query)["body"][0]
    assert device.details(body) == {"app_version": "3.2.1", "app_os": "Android 14",
                                    "app_device": "Pixel 7"}
    assert " " not in link and "+" not in link.split("?", 1)[1]
