"""Request types come from a TOML file; a broken file stops the start and says where."""

import pytest

from helpdesk.tickets.types import RequestTypesError

CUSTOM = """
[[types]]
slug = "hardware"
name = "Broken hardware"
description = "A device arrived damaged."
order = 1

  [[types.fields]]
  name = "serial"
  label = "Serial number"
  kind = "text"
  required = true
"""


def test_the_portal_lists_every_shipped_type_with_its_description(client):
    page = client.get("/requests/new").get_data(as_text=True)
    for name in ("Technical support", "Account and sign-in", "Billing",
                 "Suggest an improvement", "Something else"):
        assert name in page
    assert "Invoices, payments, refunds and your plan." in page
    assert page.index("Technical support") < page.index("Something else")


def test_technical_support_asks_for_application_section_and_feature(client):
    page = client.get("/requests/new/technical-support").get_data(as_text=True)
    assert 'name="application"' in page and "Mobile app" in page
    assert 'name="section"' in page and 'name="feature"' in page


def test_the_description_prompts_appear_as_guidance(client):
    page = client.get("/requests/new/technical-support").get_data(as_text=True)
    assert "What did you expect to happen instead?" in page
    assert "Versions: your browser, or the mobile app, and your operating system." in page


def test_an_unknown_type_is_not_found(client):
    assert client.get("/requests/new/no-such-type").status_code == 404


def test_a_file_in_the_instance_folder_replaces_the_defaults(make_app, tmp_path):
    (tmp_path / "instance").mkdir(exist_ok=True)
    (tmp_path / "instance" / "request_types.toml").write_text(CUSTOM)
    client = make_app().test_client()
    page = client.get("/requests/new").get_data(as_text=True)
    assert "Broken hardware" in page and "Billing" not in page
    assert 'name="serial"' in client.get("/requests/new/hardware").get_data(as_text=True)


def test_request_types_file_setting_points_at_any_file(make_app, tmp_path):
    custom = tmp_path / "types.toml"
    custom.write_text(CUSTOM)
    client = make_app(REQUEST_TYPES_FILE=str(custom)).test_client()
    assert "Broken hardware" in client.get("/requests/new").get_data(as_text=True)


def test_a_toml_syntax_error_stops_the_start_naming_the_line(make_app, tmp_path):
    bad = tmp_path / "types.toml"
    bad.write_text('[[types]]\nslug = "a"\nname = "A\n')
    with pytest.raises(RequestTypesError, match=r"line 3"):
        make_app(REQUEST_TYPES_FILE=str(bad))


def test_a_wrong_field_kind_names_the_type_field_and_line(make_app, tmp_path):
    bad = tmp_path / "types.toml"
    bad.write_text(CUSTOM.replace('kind = "text"', 'kind = "radio"'))
    with pytest.raises(RequestTypesError) as error:
        make_app(REQUEST_TYPES_FILE=str(bad))
    message = str(error.value)
    assert "line 8" in message and "'hardware'" in message and "'serial'" in message
    assert "kind" in message


def test_a_select_without_choices_is_refused(make_app, tmp_path):
    bad = tmp_path / "types.toml"
    bad.write_text(CUSTOM.replace('kind = "text"', 'kind = "select"'))
    with pytest.raises(RequestTypesError, match="choices"):
        make_app(REQUEST_TYPES_FILE=str(bad))


def test_a_field_may_not_take_a_name_the_form_uses(make_app, tmp_path):
    bad = tmp_path / "types.toml"
    bad.write_text(CUSTOM.replace('name = "serial"', 'name = "email"'))
    with pytest.raises(RequestTypesError, match="used by the form"):
        make_app(REQUEST_TYPES_FILE=str(bad))


def test_the_same_slug_twice_is_refused(make_app, tmp_path):
    bad = tmp_path / "types.toml"
    bad.write_text(CUSTOM + CUSTOM.replace("order = 1", "order = 2"))
    with pytest.raises(RequestTypesError, match="used twice"):
        make_app(REQUEST_TYPES_FILE=str(bad))


def test_a_missing_file_is_reported(make_app, tmp_path):
    with pytest.raises(RequestTypesError, match="cannot read"):
        make_app(REQUEST_TYPES_FILE=str(tmp_path / "missing.toml"))
