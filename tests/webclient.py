"""A browser over real HTTP for tests against gunicorn or nginx: it keeps its cookies and
opens a new connection for every request, so each one may land on any worker."""

import http.client
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from filing import hidden_fields, multipart

FORM = "/requests/new/technical-support"


class Browser:
    def __init__(self, port):
        self.port, self.cookies = port, {}

    def at(self, port):
        """The same browser (its cookies) talking to another host."""
        other = Browser(port)
        other.cookies = self.cookies
        return other

    def request(self, method, path, body=None, headers=None, timeout=60):
        """(status, headers, body text)."""
        status, headers, content = self.request_bytes(method, path, body, headers, timeout)
        return status, headers, content.decode("utf-8", "replace")

    def request_bytes(self, method, path, body=None, headers=None, timeout=60):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        for raw in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(raw).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, content

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields):
        return self.request("POST", path, urlencode(fields),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def post_files(self, path, fields, files):
        body, content_type = multipart(fields, files)
        return self.request("POST", path, body, {"Content-Type": content_type})

    def form(self, path):
        """The hidden fields of the form on `path` (after reading it, as a browser does)."""
        status, _, page = self.get(path)
        assert status == 200, (path, status)
        return hidden_fields(page)

    def sign_in(self, email, password):
        """Sign in with a password: the status of the form's answer (303 when it worked)."""
        fields = {**self.form("/login"), "email": email, "password": password}
        return self.post("/login", fields)[0]

    def signed_in_as(self):
        status, _, page = self.get("/articles/")
        match = re.search(r'title="Your account">([^<]+)<', page)
        return (status, match.group(1) if match else None)

    def file_request(self, summary, files=()):
        """Send the request form; (status, reference or None)."""
        fields = {**self.form(FORM), "email": "ann@example.com", "summary": summary,
                  "description": "It times out.", "application": "web"}
        status, headers, _ = self.post_files(FORM, fields, files)
        match = re.search(r"/requests/(HD-\d+)", headers.get("Location", ""))
        return status, match.group(1) if match else None
