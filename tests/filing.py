"""Helpers for tests that file requests the way a browser does."""

import io
import re

TECH = "technical-support"
CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")


def image_bytes(fmt="PNG", size=(4, 3)):
    """A real, small raster image made by Pillow."""
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


PNG = image_bytes("PNG")


def hidden_fields(html):
    """name -> value of every hidden input on a page."""
    found = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            found[name.group(1)] = value.group(1) if value else ""
    return found


def form_page(client, slug=TECH, **kwargs):
    response = client.get(f"/requests/new/{slug}", **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def filled(slug=TECH, **fields):
    data = {"email": "ann@example.com", "summary": "The export button does nothing",
            "description": "I click Export and nothing happens.", "include_environment": "y"}
    if slug == TECH:
        data["application"] = "web"
    data.update(fields)
    return data


def multipart(fields, files=()):
    """(body, content type) encoded the way browsers do it.

    Werkzeug's test client writes file names raw, so a name holding a quote or a line
    break would not survive; browsers percent-encode `"`, CR and LF (HTML's rules).
    """
    boundary = "----helpdeskTestBoundary7MA4YWxkTrZu0gW"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     .encode() + str(value).encode() + b"\r\n")
    for filename, content in files:
        safe = filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
                     f'filename="{safe}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post_request(client, slug=TECH, files=(), hidden=None, headers=None, **fields):
    """Open the form, then send it with `fields` (and `files`: [(name, bytes)])."""
    if hidden is None:
        hidden = hidden_fields(form_page(client, slug, headers=headers or {}))
    data = {**hidden, **filled(slug, **fields)}
    data = {k: v for k, v in data.items() if v is not None}
    body, content_type = multipart(data, files)
    return client.post(f"/requests/new/{slug}", data=body, content_type=content_type,
                       headers=headers or {})


def ref_from(response):
    match = re.search(r"/requests/(HD-\d+)/sent", response.headers.get("Location", ""))
    assert match, f"not a confirmation redirect: {response.status_code}"
    return match.group(1)
