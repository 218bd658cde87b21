"""The baseline for throughput: a bare Flask app with one JSON route.

`benchmarks/search.py` runs it under the same gunicorn settings as the help desk and sends
it the same `/api/suggest?q=...` requests, so the ratio of the two request rates says what
the search costs on top of Flask, gunicorn and the client.

    .venv/bin/gunicorn -w 2 -b 127.0.0.1:8001 --chdir benchmarks bare_app:app
"""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/api/suggest")
def suggest():
    return jsonify(query=request.args.get("q", ""), results=[])
