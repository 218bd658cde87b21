"""Password hashing (werkzeug's scrypt by default) with constant work for unknown people."""

from functools import lru_cache

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

MAX_LENGTH = 1000  # longer input is refused before any hashing (a cheap way to burn CPU)


def hash_password(password):
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@lru_cache(maxsize=8)
def _decoy(method):
    return generate_password_hash("decoy password, never valid", method=method)


def verify(password_hash, password):
    """True when `password` matches; without a hash, the same work is done and it fails.

    Checking a decoy hash for unknown addresses and password-less accounts keeps the answer
    time the same, so timing does not tell whether an account exists.
    """
    if not isinstance(password, str) or len(password) > MAX_LENGTH:
        return False
    if not password_hash:
        check_password_hash(_decoy(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return False
    return check_password_hash(password_hash, password)

