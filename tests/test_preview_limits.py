"""Previews of a reply are counted like replies: past the limit the page comes back with the
draft kept and a clear message, and sending still works."""

import pytest
from accounts import file_request, page_token, sign_in, ticket
from desk import reply, signed_in
from filing import multipart

DRAFT = "My draft answer, with **Markdown**"


@pytest.fixture
def limited(make_app):
    return make_app(RATELIMIT_ENABLED=True, PREVIEW_RATE_LIMIT="2 per minute",
                    REQUEST_RATE_LIMIT_IP="5 per minute", AUTH_RATE_LIMIT_IP="50 per minute")


def requester_post(client, ref, headers=None, **fields):
    data, content_type = multipart({"csrf_token": page_token(client, f"/requests/{ref}"),
                                    "body": DRAFT, **fields})
    return client.post(f"/requests/{ref}/reply", data=data, content_type=content_type,
                       headers=headers or {})


@pytest.fixture
def ann(limited):
    ref = file_request(limited)
    client = limited.test_client()
    sign_in(client, limited, "ann@example.com")
    return client, ref


def test_a_requester_who_previews_too_often_gets_the_page_back_with_the_draft(ann):
    client, ref = ann
    assert [requester_post(client, ref, preview="1").status_code for _ in range(2)] == [200, 200]
    response = requester_post(client, ref, preview="1")
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "many previews" in page and "My draft answer, with **Markdown**" in page


def test_a_preview_in_place_past_the_limit_says_why_and_renders_nothing(ann):
    client, ref = ann
    wants_json = {"Accept": "application/json"}
    first = requester_post(client, ref, headers=wants_json, preview="1")
    assert first.get_json()["html"] == "<p>My draft answer, with <strong>Markdown</strong></p>\n"
    requester_post(client, ref, headers=wants_json, preview="1")
    refused = requester_post(client, ref, headers=wants_json, preview="1")
    assert refused.status_code == 429 and "many previews" in refused.get_json()["error"]


def test_a_requester_past_the_preview_limit_can_still_send(limited, ann):
    client, ref = ann
    for _ in range(3):
        requester_post(client, ref, preview="1")
    assert requester_post(client, ref).status_code == 303
    assert ticket(limited, ref).messages[-1].body == DRAFT


def test_previews_of_someone_elses_request_answer_404_before_and_after_the_limit(limited):
    ref = file_request(limited)
    stranger = limited.test_client()
    sign_in(stranger, limited, "mallory@example.com")
    codes = [requester_post(stranger, ref, preview="1").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 404]


def test_an_agent_who_previews_too_often_gets_the_page_back_with_the_draft(limited):
    agent = signed_in(limited)
    ref = file_request(limited)
    codes = [reply(agent, ref, DRAFT, action="preview").status_code for _ in range(2)]
    assert codes == [200, 200]
    response = reply(agent, ref, DRAFT, action="preview")
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "many previews" in page and "My draft answer, with **Markdown**" in page
    assert reply(agent, ref, DRAFT).status_code == 303  # sending is not a preview


def test_one_agents_previews_do_not_use_up_another_agents(limited):
    ref = file_request(limited)
    first = signed_in(limited, "one@example.com")
    for _ in range(3):
        reply(first, ref, DRAFT, action="preview")
    second = signed_in(limited, "two@example.com")
    assert reply(second, ref, DRAFT, action="preview").status_code == 200
