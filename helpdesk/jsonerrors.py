"""JSON error answers in the API's shape: `{"error": {"code", "message", "fields"}}`.

The API's handlers answer with them, and so do the app's own error pages for an address
under /api/v1/ that no API route matched (a path the router refused, say).
"""

from flask import jsonify

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported",
         422: "invalid", 429: "rate_limited"}


def error_response(status, code, message, fields=None, headers=None):
    response = jsonify(error={"code": code, "message": message, "fields": fields or {}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
