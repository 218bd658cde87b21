"""When each article file last changed in git: one `git log` for the whole folder.

A checkout sets every file's modification time to the moment of the checkout, so the
mtime says nothing to a reader; the last commit that touched a file does. Without git, or
outside a repository, there is nothing to ask and callers fall back to the mtime.
"""

import logging
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

GIT_TIMEOUT = 60  # seconds; a huge history is read once per index build, never per page
_MARK = "\x00"  # git writes it for %x00: a line no file name can start with


def commit_times(root):
    """{path relative to `root` (posix): unix time of the last commit touching it}; {} when
    git is missing, `root` is not in a work tree, or git fails."""
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotepath=off", "log", "--relative", "--no-renames",
             "--name-only", "--format=%x00%ct", "--", "."],
            cwd=root, capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False,
            encoding="utf-8", errors="replace")
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("no git history for %s: %s", root, exc)
        return {}
    if done.returncode != 0:
        return {}  # not a repository (or no commits yet)
    times, current = {}, None
    for line in done.stdout.split("\n"):
        if line.startswith(_MARK):
            stamp = line[1:].strip()
            current = float(stamp) if stamp.isdigit() else None
        elif line and current is not None:
            times.setdefault(line, current)  # newest first: the first seen is the last change
    return times


class CommitTimes:
    """commit_times(root), asked at most once, and only if a file is read at all."""

    def __init__(self, root):
        self.root = Path(root).resolve()
        self._times = None

    def get(self, relpath):
        if self._times is None:
            self._times = commit_times(self.root)
        return self._times.get(relpath)
