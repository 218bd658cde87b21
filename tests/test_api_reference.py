"""The API's description and its readable reference page, both generated from the code."""

import re


def test_the_reference_page_lists_every_operation_of_the_description(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    page = client.get("/api/v1/docs").get_data(as_text=True)
    for path, item in spec["paths"].items():
        for method in set(item) - {"parameters"}:
            assert f"{method.upper()} {path}" in page


def test_the_reference_page_loads_nothing_from_other_sites(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', page)


def test_the_description_names_the_error_shape(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert set(spec["components"]["schemas"]["ErrorBody"]["properties"]) == {
        "code", "message", "fields"}
