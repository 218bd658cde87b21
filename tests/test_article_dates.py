"""An article's "Last updated": the date its front matter gives, else the last git commit
of its file, else the file's modification time (a checkout's date says nothing)."""

import os
import re
import shutil
import subprocess
import time
from datetime import datetime, timezone

import pytest
from support import missing

ARTICLE = "account/dated.md"
URL = "/articles/account/dated"


def last_updated(client):
    page = client.get(URL).get_data(as_text=True)
    return re.search(r"Last updated <time[^>]*>([^<]+)</time>", page).group(1)


def git(cwd, *args, when=None):
    env = dict(os.environ, GIT_AUTHOR_NAME="Writer", GIT_AUTHOR_EMAIL="w@example.com",
               GIT_COMMITTER_NAME="Writer", GIT_COMMITTER_EMAIL="w@example.com")
    if when:
        env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture
def repo(articles_dir):
    if shutil.which("git") is None:
        missing("git not found: apt-get install git")
    git(articles_dir, "init", "-q")
    git(articles_dir, "add", "-A")
    git(articles_dir, "commit", "-q", "-m", "articles", when="2024-01-02T10:00:00Z")
    return articles_dir


def test_the_front_matter_date_comes_first(make_app, write_article, repo):
    write_article(ARTICLE, "---\ntitle: Dated\nupdated: 2025-03-14\n---\nText.\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "dated", when="2024-05-06T10:00:00Z")
    assert last_updated(make_app().test_client()) == "14 March 2025"


def test_without_a_date_the_last_commit_of_the_file_dates_it(make_app, write_article, repo):
    write_article(ARTICLE, "---\ntitle: Dated\n---\nText.\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first", when="2024-05-06T10:00:00Z")
    write_article("account/other.md", "# Other\n\nA later change to another file.\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "other", when="2024-09-30T10:00:00Z")
    os.utime(repo / ARTICLE)  # a fresh checkout: the file looks changed today
    assert last_updated(make_app().test_client()) == "6 May 2024"


def test_outside_git_the_files_modification_time_dates_it(make_app, write_article):
    path = write_article(ARTICLE, "---\ntitle: Dated\n---\nText.\n")
    stamp = time.mktime((2023, 7, 8, 12, 0, 0, 0, 0, -1))
    os.utime(path, (stamp, stamp))
    assert last_updated(make_app().test_client()) == "8 July 2023"


def test_a_file_not_yet_committed_is_dated_by_its_modification_time(
        make_app, write_article, repo):
    write_article(ARTICLE, "---\ntitle: Dated\n---\nText.\n")
    today = datetime.now(timezone.utc)
    assert last_updated(make_app().test_client()) == f"{today.day} {today:%B %Y}"


def test_an_unreadable_front_matter_date_falls_back(make_app, write_article, repo):
    write_article(ARTICLE, "---\ntitle: Dated\nupdated: next tuesday\n---\nText.\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first", when="2024-05-06T10:00:00Z")
    os.utime(repo / ARTICLE)
    assert last_updated(make_app().test_client()) == "6 May 2024"
