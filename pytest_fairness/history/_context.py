"""Where a run happened: commit and branch (CI environment, else git), and when.

Standard library only. git is asked only when the CI environment does not
say, with a short timeout, and its absence is no error: unknown values are
None.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from typing import TYPE_CHECKING

from pytest_fairness._version import __version__
from pytest_fairness.records import RunContext

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

__all__ = ["ci_commit", "git_commit", "run_context", "timestamp"]

# (commit variable, branch variables) of CI services, in order
_CI = (
    ("GITHUB_SHA", ("GITHUB_HEAD_REF", "GITHUB_REF_NAME")),
    ("CI_COMMIT_SHA", ("CI_COMMIT_REF_NAME",)),  # GitLab
    ("BUILDKITE_COMMIT", ("BUILDKITE_BRANCH",)),
    ("CIRCLE_SHA1", ("CIRCLE_BRANCH",)),
    ("BITBUCKET_COMMIT", ("BITBUCKET_BRANCH",)),
    ("TRAVIS_COMMIT", ("TRAVIS_BRANCH",)),
    ("GIT_COMMIT", ("GIT_BRANCH",)),  # Jenkins
)


def timestamp(environ: Mapping[str, str] | None = None) -> str:
    """Return the time of the run, ISO 8601 in UTC, to the second.

    ``SOURCE_DATE_EPOCH`` (seconds since 1970), when set, is the time: with
    it, the same records give the same bytes in every report.

    Parameters
    ----------
    environ : mapping, optional
        The environment (default ``os.environ``).

    Returns
    -------
    str
        ``2024-05-01T12:00:00Z``.
    """
    env = os.environ if environ is None else environ
    raw = env.get("SOURCE_DATE_EPOCH", "").strip()
    seconds = int(raw) if raw.isdigit() else int(time.time())
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def ci_commit(environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    """Return the commit and branch a CI service names, if one does.

    Parameters
    ----------
    environ : mapping
        The environment.

    Returns
    -------
    tuple
        Commit and branch, each None when not set.
    """
    for commit_var, branch_vars in _CI:
        commit = environ.get(commit_var, "").strip()
        if commit:
            branch = next(
                (environ[v].strip() for v in branch_vars if environ.get(v, "").strip()),
                None,
            )
            return commit, branch
    return None, None


def _git(root: Path, *args: str) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - a fixed git command
            [git, "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and out else None


def git_commit(root: Path) -> tuple[str | None, str | None]:
    """Return the commit checked out in ``root``, and its branch, from git.

    Parameters
    ----------
    root : pathlib.Path
        A folder inside the work tree.

    Returns
    -------
    tuple
        Commit and branch; None when not in a repository, without git, or
        (branch) on a detached head.
    """
    commit = _git(root, "rev-parse", "HEAD")
    if commit is None:
        return None, None
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    return commit, None if branch == "HEAD" else branch


def run_context(
    root: Path, command: str | None, environ: Mapping[str, str] | None = None
) -> RunContext:
    """Return the context of a run: version, commit, branch, command, time.

    Parameters
    ----------
    root : pathlib.Path
        The rootdir (git is asked there when the CI environment is silent).
    command : str or None
        The command line.
    environ : mapping, optional
        The environment (default ``os.environ``).

    Returns
    -------
    RunContext
        The context.
    """
    env = os.environ if environ is None else environ
    commit, branch = ci_commit(env)
    if commit is None:
        commit, branch = git_commit(root)
    return RunContext(
        version=__version__,
        timestamp=timestamp(env),
        commit=commit,
        branch=branch,
        command=command,
    )
