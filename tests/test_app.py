"""The application shell: configuration, the instance folder, health, errors and headers."""

import re
import stat

import pytest

from helpdesk import create_app

ARTICLE = "/articles/account/passwords"


def bare_app(tmp_path, **config):
    """An app with only what a test names: no fixture overrides hiding the layering."""
    settings = {"INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True,
                "KB_INDEX_ON_START": False}
    settings.update(config)
    return create_app(settings)


def write_instance_config(tmp_path, text):
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    (instance / "config.py").write_text(text)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


# --- configuration layering -----------------------------------------------------------


def test_a_fresh_install_uses_the_shipped_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv("HELPDESK_SITE_NAME", raising=False)
    app = bare_app(tmp_path)
    assert app.config["SITE_NAME"] == "Help Center"
    assert app.config["REOPEN_DAYS"] == 14


def test_instance_config_file_overrides_the_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv("HELPDESK_SITE_NAME", raising=False)
    write_instance_config(tmp_path, 'SITE_NAME = "Acme Support"\n')
    app = bare_app(tmp_path)
    assert app.config["SITE_NAME"] == "Acme Support"


def test_environment_overrides_the_instance_config_file(tmp_path, monkeypatch):
    write_instance_config(tmp_path, 'SITE_NAME = "From the file"\n')
    monkeypatch.setenv("HELPDESK_SITE_NAME", "From the environment")
    app = bare_app(tmp_path)
    assert app.config["SITE_NAME"] == "From the environment"


def test_test_config_overrides_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPDESK_SITE_NAME", "From the environment")
    app = bare_app(tmp_path, SITE_NAME="From the test")
    assert app.config["SITE_NAME"] == "From the test"


def test_site_name_from_the_environment_shows_in_pages(make_app, monkeypatch):
    monkeypatch.setenv("HELPDESK_SITE_NAME", "Globex Help")
    page = make_app().test_client().get("/").get_data(as_text=True)
    assert "<title>Globex Help</title>" in page
    assert ">Globex Help</a>" in page


def test_an_environment_number_becomes_a_float_like_its_default(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPDESK_KB_CHECK_INTERVAL", "2.5")
    app = bare_app(tmp_path)
    assert app.config["KB_CHECK_INTERVAL"] == 2.5
    assert isinstance(app.config["KB_CHECK_INTERVAL"], float)


def test_an_environment_number_becomes_an_int_like_its_default(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPDESK_REOPEN_DAYS", "30")
    app = bare_app(tmp_path)
    assert app.config["REOPEN_DAYS"] == 30
    assert isinstance(app.config["REOPEN_DAYS"], int)


@pytest.mark.parametrize("word", ["false", "False", "no", "off", "0"])
def test_an_environment_switch_turned_off_becomes_false(tmp_path, monkeypatch, word):
    monkeypatch.setenv("HELPDESK_RATELIMIT_ENABLED", word)
    app = bare_app(tmp_path)
    assert app.config["RATELIMIT_ENABLED"] is False


def test_a_numeric_looking_password_in_the_environment_stays_text(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPDESK_MAIL_PASSWORD", "12345")
    app = bare_app(tmp_path)
    assert app.config["MAIL_PASSWORD"] == "12345"


def test_a_list_setting_from_the_environment_is_split_on_commas(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPDESK_ATTACHMENT_EXTENSIONS", "png, pdf ,txt")
    app = bare_app(tmp_path)
    assert tuple(app.config["ATTACHMENT_EXTENSIONS"]) == ("png", "pdf", "txt")


def test_a_secret_key_from_the_environment_is_used_and_none_is_generated(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPDESK_SECRET_KEY", "from-the-environment-0123456789abcdef")
    app = bare_app(tmp_path)
    assert app.config["SECRET_KEY"] == "from-the-environment-0123456789abcdef"
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_a_mistyped_environment_number_stops_start_naming_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPDESK_REOPEN_DAYS", "two weeks")
    with pytest.raises(RuntimeError, match="HELPDESK_REOPEN_DAYS"):
        bare_app(tmp_path)


# --- the instance folder ----------------------------------------------------------------


def test_instance_path_from_test_config_holds_the_instance_files(tmp_path):
    folder = tmp_path / "elsewhere" / "instance"
    app = create_app({"INSTANCE_PATH": str(folder), "TESTING": True,
                      "KB_INDEX_ON_START": False})
    assert app.instance_path == str(folder)
    assert (folder / "secret_key").exists()
    assert app.config["INDEX_DIR"] == str(folder / "index")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{folder / 'helpdesk.sqlite3'}"


def test_instance_path_from_the_environment_holds_the_instance_files(tmp_path, monkeypatch):
    folder = tmp_path / "from-env"
    monkeypatch.setenv("HELPDESK_INSTANCE_PATH", str(folder))
    app = create_app({"TESTING": True, "KB_INDEX_ON_START": False})
    assert app.instance_path == str(folder)
    assert (folder / "secret_key").exists()


def test_the_instance_folder_is_private_to_its_owner(tmp_path):
    bare_app(tmp_path)
    assert mode(tmp_path / "instance") == 0o700


def test_a_secret_key_is_generated_into_a_private_file_on_first_start(tmp_path):
    app = bare_app(tmp_path)
    secret = tmp_path / "instance" / "secret_key"
    assert mode(secret) == 0o600
    assert secret.read_text().strip() == app.config["SECRET_KEY"]
    assert len(app.config["SECRET_KEY"]) >= 32


def test_the_next_start_reuses_the_same_secret_key(tmp_path):
    first = bare_app(tmp_path)
    second = bare_app(tmp_path)
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_two_installs_never_share_a_secret_key(tmp_path):
    one = bare_app(tmp_path / "one")
    two = bare_app(tmp_path / "two")
    assert one.config["SECRET_KEY"] != two.config["SECRET_KEY"]


def test_a_form_opened_before_a_restart_can_be_sent_after_it(make_app):
    # The restarted app reads the same generated key, so the session and its CSRF token hold.
    before = make_app().test_client()
    form_page = before.get(ARTICLE).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form_page).group(1)

    after = make_app().test_client()
    after.set_cookie("session", before.get_cookie("session").value)
    response = after.post(ARTICLE, data={"csrf_token": token, "helpful": "yes"})
    assert response.status_code == 303


# --- health -------------------------------------------------------------------------------


def test_health_check_reports_database_and_index_as_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["index"]["ok"] is True
    assert body["index"]["documents"] >= 1


# --- the site icon ---------------------------------------------------------------------------


def test_the_site_icon_is_served_where_browsers_look_for_it(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/vnd.microsoft.icon"
        assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    with client.get("/favicon.ico", query_string={"x": "y" * 5000}) as response:
        assert response.status_code == 200  # whatever is added, nothing is read from it


def test_every_page_links_the_site_icon(client):
    page = client.get(ARTICLE).get_data(as_text=True)
    svg = re.search(r'<link rel="icon" href="([^"]+\.svg)" type="image/svg\+xml">', page)
    assert '<link rel="icon" href="/favicon.ico"' in page and svg
    with client.get(svg.group(1)) as response:
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        assert b"<svg" in response.data and b"<script" not in response.data


# --- error pages ----------------------------------------------------------------------------


def test_an_unknown_page_shows_a_404_in_the_site_layout(make_app):
    client = make_app(SITE_NAME="Initech Help").test_client()
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Page not found" in page
    assert "Initech Help" in page
    assert 'role="search"' in page and 'name="q"' in page


def test_a_crash_shows_a_500_in_the_site_layout_without_details(make_app):
    app = make_app(SITE_NAME="Initech Help", PROPAGATE_EXCEPTIONS=False)

    def broken():
        raise ZeroDivisionError("secret internals")

    app.add_url_rule("/broken", "broken", broken)
    response = app.test_client().get("/broken")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page
    assert "Initech Help" in page
    assert 'name="q"' in page
    assert "secret internals" not in page and "ZeroDivisionError" not in page


# --- headers and cookies --------------------------------------------------------------------

PAGES = ["/", "/articles/", ARTICLE, "/search?q=password", "/no/such/page", "/healthz"]


def csp_directives(response):
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("url", PAGES)
def test_scripts_may_only_come_from_the_site_itself(client, url):
    directives = csp_directives(client.get(url))
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src == ["'self'"]
    assert "'unsafe-inline'" not in script_src


@pytest.mark.parametrize("url", PAGES)
def test_pages_cannot_be_framed_by_other_sites(client, url):
    response = client.get(url)
    assert csp_directives(response)["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("url", PAGES)
def test_browsers_are_told_not_to_sniff_content_types(client, url):
    assert client.get(url).headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("url", PAGES)
def test_full_page_urls_do_not_leak_to_other_sites(client, url):
    policy = client.get(url).headers["Referrer-Policy"]
    assert policy in {"no-referrer", "same-origin", "strict-origin",
                      "strict-origin-when-cross-origin"}


@pytest.mark.parametrize("url", ["/", ARTICLE, "/search?q=password", "/no/such/page"])
def test_pages_carry_no_inline_script(client, url):
    page = client.get(url).get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", page, re.I)
    assert scripts, "the page should load the site's script file"
    assert all(" src=" in tag for tag in scripts)
    assert not re.search(r"\son[a-z]+\s*=", page, re.I), "no inline event handlers"


def session_cookie_header(response):
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert headers, "the page should set the session cookie"
    return headers[0]


def test_the_session_cookie_is_hidden_from_scripts_and_other_sites(client):
    header = session_cookie_header(client.get(ARTICLE))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


def test_the_session_cookie_is_sent_over_plain_http_in_development(client):
    header = session_cookie_header(client.get(ARTICLE))
    assert "Secure" not in header


def test_the_session_cookie_is_secure_when_served_over_https(app):
    client = app.test_client()
    header = session_cookie_header(client.get(ARTICLE, base_url="https://localhost"))
    assert "Secure" in header
    assert "HttpOnly" in header and "SameSite=Lax" in header
