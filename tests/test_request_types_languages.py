"""Request types in the reader's language: each type and field may carry its texts per
language in the TOML file; what a language leaves out is read in the default one."""

import textwrap

import pytest

from helpdesk.tickets import types

FRENCH = {"Accept-Language": "fr"}


def parse(text):
    return types.parse(__import__("tomllib").loads(textwrap.dedent(text)))


def test_the_list_of_request_types_is_in_french_for_a_french_reader(client):
    page = client.get("/requests/new", headers=FRENCH).get_data(as_text=True)
    assert "Assistance technique" in page and "Facturation" in page
    assert "Technical support" not in page


def test_the_form_shows_french_labels_and_choices(client):
    page = client.get("/requests/new/technical-support", headers=FRENCH).get_data(as_text=True)
    assert "Rubrique de l’application" in page
    assert "Web (dans un navigateur)" in page and "Application mobile" in page


def test_an_english_reader_still_reads_english(client):
    page = client.get("/requests/new/technical-support").get_data(as_text=True)
    assert "Section of the application" in page and "Web (in a browser)" in page


def test_what_a_language_leaves_out_is_read_in_the_default_language():
    found, = parse("""
        [[types]]
        slug = "billing"
        name = "Billing"
        description = "Invoices"
          [types.fr]
          name = "Facturation"
          [[types.fields]]
          name = "invoice"
          label = "Invoice number"
          help = "On the PDF"
        """)
    french = found.in_language("fr")
    assert (french.name, french.description) == ("Facturation", "Invoices")
    assert (french.fields[0].label, french.fields[0].help) == ("Invoice number", "On the PDF")


def test_a_choice_label_for_a_value_the_field_does_not_offer_is_refused():
    with pytest.raises(types.RequestTypesError) as error:
        parse("""
            [[types]]
            slug = "tech"
            name = "Tech"
              [[types.fields]]
              name = "application"
              label = "Application"
              kind = "select"
              choices = [["web", "Web"]]
                [types.fields.fr]
                choices = { desktop = "Bureau" }
            """)
    assert "'choices' names a value the field does not offer: 'desktop'" in str(error.value)


def test_an_unknown_key_in_a_language_table_is_refused():
    with pytest.raises(types.RequestTypesError) as error:
        parse("""
            [[types]]
            slug = "tech"
            name = "Tech"
              [types.fr]
              nom = "Technique"
            """)
    assert "[fr]: unknown key 'nom'" in str(error.value)
