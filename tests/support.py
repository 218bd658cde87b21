"""Helpers that test modules import by name (`from support import ...`).

Kept out of conftest.py: tests/ and tests/browser/ each have a conftest, so
`from conftest import` would be ambiguous.
"""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
MAGENTO = CORPORA / "kb" / "magento-support-kb" / "src"


def missing(reason):
    """Skip for a missing system service or data, naming what to install; fail under CI."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


def require_corpus(path):
    """The shared corpus folder, or a skip where ../shared/corpora is missing."""
    if not path.exists():
        missing(f"corpus not found at {path} (it lives in ../shared/corpora)")
    return path


def csrf_token(client, url):
    """The CSRF token of the form on `url`, as a browser would submit it."""
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)
