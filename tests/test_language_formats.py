"""Numbers and sizes written the reader's way (Babel): "1,5 Kio" in French, "1.5 KiB" in
English."""

import re

import pytest
from filing import post_request

FRENCH = {"Accept-Language": "fr"}
LOG = b"x" * 1536  # 1.5 KiB


@pytest.fixture
def app(make_app, tmp_path):
    return make_app()


def sent_page(client, headers=None):
    response = post_request(client, files=[("trace.log", LOG)], headers=headers)
    return client.get(response.headers["Location"], headers=headers).get_data(as_text=True)


def test_a_file_size_reads_the_french_way_on_a_french_page(client):
    assert "trace.log <span class=\"muted\">(1,5\u00a0Kio)</span>" in sent_page(client, FRENCH)


def test_a_file_size_reads_the_english_way_on_an_english_page(client):
    assert "trace.log <span class=\"muted\">(1.5 KiB)</span>" in sent_page(client)


def test_the_attachment_limit_reads_the_french_way_on_a_french_form(client):
    form = client.get("/requests/new/technical-support", headers=FRENCH).get_data(as_text=True)
    limit = re.search(r'<p class="help" id="attachments-help">([^<]+)', form).group(1)
    assert "10\u00a0Mio chacun" in limit
