"""Config layering and the instance folder (docs/deploying.md).

Order: `helpdesk/config.py` defaults, `instance/config.py`, `HELPDESK_<KEY>` environment
variables (converted to the type of the key's default), then the test mapping.
"""

import os
import secrets
from pathlib import Path

ENV_PREFIX = "HELPDESK"
SECRET_FILE = "secret_key"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def instance_path_from(test_config):
    """The instance folder chosen by the caller, or None for Flask's default."""
    if test_config and test_config.get("INSTANCE_PATH"):
        return str(Path(test_config["INSTANCE_PATH"]).resolve())
    env = os.environ.get(f"{ENV_PREFIX}_INSTANCE_PATH")
    return str(Path(env).resolve()) if env else None


def make_private_dir(path):
    """Create `path` (and parents) readable by the owner only."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def coerce(value, like):
    """Convert an environment string to the type of the default value `like`."""
    if isinstance(like, bool):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError(f"expected a yes/no value, got {value!r}")
    if isinstance(like, int):
        return int(value)
    if isinstance(like, float):
        return float(value)
    if isinstance(like, (tuple, list)):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def load_environment(config):
    """Apply HELPDESK_<KEY> variables through Flask's `from_prefixed_env`, typed per key."""
    defaults = dict(config)
    # Keep raw strings first, then convert each key by the type of its default; Flask's
    # own JSON loading would turn a password such as "12345" into an integer.
    config.from_prefixed_env(ENV_PREFIX, loads=str)
    for name, raw in os.environ.items():
        if not name.startswith(ENV_PREFIX + "_"):
            continue
        key = name[len(ENV_PREFIX) + 1:]
        if "__" in key or key not in config:
            continue
        like = defaults.get(key)
        if like is not None:
            try:
                config[key] = coerce(raw, like)
            except ValueError as exc:
                raise RuntimeError(f"environment variable {name}: {exc}") from None


def ensure_secret_key(config, instance_path):
    """Use the configured SECRET_KEY, else the one generated once into the instance folder."""
    if config.get("SECRET_KEY"):
        return
    path = Path(instance_path) / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        config["SECRET_KEY"] = path.read_text().strip()
        return
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    config["SECRET_KEY"] = key


def fill_instance_defaults(config, instance_path):
    """Settings whose default lives in the instance folder."""
    instance = Path(instance_path)
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'helpdesk.sqlite3'}"
    if not config.get("INDEX_DIR"):
        config["INDEX_DIR"] = str(instance / "index")
    if not config.get("UPLOAD_DIR"):
        config["UPLOAD_DIR"] = str(instance / "uploads")
