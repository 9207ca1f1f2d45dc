"""Command-line options and ini keys of the plugin, and their resolution.

Standard library and pytest only. Each help string is a module constant shared
by ``addoption`` and ``addini``; command-line values are checked at parse time
(``type=`` parsers), ini values when the configuration is read, and every
error names where the bad value came from.
"""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "CI_FALSE",
    "DEFAULT_MIN_GROUP_SIZE",
    "HELP_BASELINE_DIR",
    "HELP_HISTORY",
    "HELP_HISTORY_LIMIT",
    "HELP_MIN_GROUP_SIZE",
    "HELP_REPORT",
    "HELP_UPDATE_BASELINES",
    "INI_INT",
    "REPORT_SUFFIXES",
    "Options",
    "add_options",
    "history_arg",
    "in_ci",
    "min_group_size_arg",
    "report_path_arg",
    "resolve_options",
]

DEFAULT_MIN_GROUP_SIZE = 30
#: pytest declares integer ini keys from 8.4 on (``addini(type="int")``).
INI_INT = pytest.version_tuple >= (8, 4)
_T = TypeVar("_T")
REPORT_SUFFIXES = (".html", ".htm", ".json", ".md")
#: Values of the environment variable ``CI`` that do not mean "on CI".
CI_FALSE = ("", "0", "false", "no", "off")

HELP_REPORT = (
    "Write every fairness gate of the run, with its groups, to PATH "
    "(.html, .json or .md); repeat it for several formats"
)
HELP_UPDATE_BASELINES = (
    "Rewrite the fairness baselines of the gates that run (and drop entries "
    "of tests that no longer exist) instead of comparing with them. Under CI "
    "only from the command line, not from ini"
)
HELP_BASELINE_DIR = (
    "Keep fairness baselines below DIR (mirroring the test folders) instead "
    "of in __fairness__/ beside each test module"
)
HELP_HISTORY = (
    "Append one line per baselined gate to its history file beside the "
    "baselines (__fairness__/<module>.history.jsonl), which the reports' trend "
    "charts read (on), or neither write nor read it (off). Default: on"
)
HELP_HISTORY_LIMIT = (
    "Points kept per gate in a history file; older ones are pruned. Default: 50"
)
HISTORY_VALUES = ("on", "off")
DEFAULT_HISTORY_LIMIT = 50
HELP_MIN_GROUP_SIZE = (
    "Default min_group_size of fairness gates; a marker's value wins. "
    f"Default: {DEFAULT_MIN_GROUP_SIZE}"
)


def in_ci() -> bool:
    """Return whether the environment variable ``CI`` is set (and not false).

    Returns
    -------
    bool
        True on CI services, which set ``CI=true``.
    """
    return os.environ.get("CI", "").strip().lower() not in CI_FALSE


def min_group_size_arg(text: str) -> int:
    """Parse a ``--fairness-min-group-size`` value.

    Parameters
    ----------
    text : str
        The value given.

    Returns
    -------
    int
        The size, at least 1.

    Raises
    ------
    argparse.ArgumentTypeError
        Unless the value is an integer >= 1.
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1 or str(value) != text.strip():
        msg = f"must be an integer >= 1. Got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def history_arg(text: str) -> bool:
    """Parse a ``--fairness-history`` value.

    Parameters
    ----------
    text : str
        The value given.

    Returns
    -------
    bool
        True for ``on``, False for ``off``.

    Raises
    ------
    argparse.ArgumentTypeError
        For any other value.
    """
    value = text.strip().lower()
    if value not in HISTORY_VALUES:
        msg = f"must be one of {', '.join(HISTORY_VALUES)}. Got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value == "on"


def report_path_arg(text: str) -> str:
    """Parse a ``--fairness-report`` value.

    Parameters
    ----------
    text : str
        The path given.

    Returns
    -------
    str
        The path, unchanged.

    Raises
    ------
    argparse.ArgumentTypeError
        Unless the path ends in ``.html`` (or ``.htm``), ``.json`` or
        ``.md``, in any case.
    """
    if Path(text).suffix.lower() not in REPORT_SUFFIXES:
        msg = (
            "the report format is chosen by the file extension, one of "
            f".html, .json, .md (.htm is read as .html). Got {text!r}"
        )
        raise argparse.ArgumentTypeError(msg)
    return text


def add_options(parser: pytest.Parser) -> None:
    """Add the ``--fairness-*`` options and ``fairness_*`` ini keys.

    Parameters
    ----------
    parser : pytest.Parser
        pytest's option parser.
    """
    group = parser.getgroup("fairness", "fairness gates (pytest-fairness)")
    group.addoption(
        "--fairness-report",
        metavar="PATH",
        type=report_path_arg,
        action="append",
        default=None,
        help=HELP_REPORT,
    )
    group.addoption(
        "--fairness-update-baselines",
        action="store_true",
        default=None,
        help=HELP_UPDATE_BASELINES,
    )
    group.addoption(
        "--fairness-baseline-dir",
        metavar="DIR",
        default=None,
        help=HELP_BASELINE_DIR,
    )
    group.addoption(
        "--fairness-min-group-size",
        metavar="N",
        type=min_group_size_arg,
        default=None,
        help=HELP_MIN_GROUP_SIZE,
    )
    group.addoption(
        "--fairness-history",
        metavar="on|off",
        type=history_arg,
        default=None,
        help=HELP_HISTORY,
    )
    parser.addini("fairness_report", HELP_REPORT, type="string", default="")
    parser.addini("fairness_history", HELP_HISTORY, type="string", default="")
    parser.addini(
        "fairness_history_limit", HELP_HISTORY_LIMIT, type="string", default=""
    )
    parser.addini(
        "fairness_update_baselines", HELP_UPDATE_BASELINES, type="bool", default=False
    )
    parser.addini("fairness_baseline_dir", HELP_BASELINE_DIR, type="string", default="")
    # An integer key where pytest can declare one (8.4+): a TOML integer is
    # then accepted as such; older pytest reads the text, checked the same way.
    if INI_INT:
        parser.addini(
            "fairness_min_group_size", HELP_MIN_GROUP_SIZE, type="int", default=None
        )
    else:  # pragma: no cover - pytest before 8.4
        parser.addini(
            "fairness_min_group_size", HELP_MIN_GROUP_SIZE, type="string", default=""
        )


@dataclass(frozen=True)
class Options:
    """The plugin's session-wide settings, resolved command line > ini > default.

    Attributes
    ----------
    reports : tuple of pathlib.Path
        Where to write the report of every gate, at most one path per
        format.
    update_baselines : bool
        Rewrite baselines instead of comparing with them.
    baseline_dir : pathlib.Path or None
        Folder holding every baseline; None for ``__fairness__/`` beside
        each test module.
    min_group_size : int
        Default ``min_group_size`` of gates whose marker does not set it.
    min_group_size_source : str
        Where ``min_group_size`` came from, for messages.
    baseline_dir_arg : str or None
        ``--fairness-baseline-dir`` as typed, to repeat it in suggested
        commands.
    history : bool
        Write (and read) the history files.
    history_limit : int
        Points kept per gate in a history file.
    """

    reports: tuple[Path, ...] = ()
    update_baselines: bool = False
    baseline_dir: Path | None = None
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    min_group_size_source: str = "default"
    baseline_dir_arg: str | None = None
    history: bool = True
    history_limit: int = DEFAULT_HISTORY_LIMIT


def _ini_where(config: pytest.Config, key: str) -> str:
    where = f" in {config.inipath}" if config.inipath else ""
    return f"ini option {key}{where}"


def _from_ini(
    config: pytest.Config,
    key: str,
    parse: Callable[[str], _T],
    raw: str | None = None,
) -> _T:
    if raw is None:
        raw = str(config.getini(key))
    try:
        return parse(raw)
    except argparse.ArgumentTypeError as exc:
        msg = f"{_ini_where(config, key)}: {exc}."
        raise pytest.UsageError(msg) from None


def _report_format(path: Path) -> str:
    suffix = path.suffix.lower()
    return ".html" if suffix == ".htm" else suffix


def _reports(config: pytest.Config, ini_dir: Path) -> tuple[Path, ...]:
    """Return the report paths: every ``--fairness-report``, else the ini key."""
    invocation = config.invocation_params.dir
    given: list[str] = config.getoption("fairness_report") or []
    if given:
        paths = [Path(os.path.normpath(invocation / p)) for p in given]
    elif config.getini("fairness_report"):
        raw = _from_ini(config, "fairness_report", report_path_arg)
        paths = [Path(os.path.normpath(ini_dir / raw))]
    else:
        return ()
    by_format: dict[str, list[str]] = {}
    for text, path in zip(given or [""], paths, strict=True):
        by_format.setdefault(_report_format(path), []).append(text or str(path))
    for suffix, texts in sorted(by_format.items()):
        if len(texts) > 1:
            listed = ", ".join(repr(t) for t in texts)
            msg = (
                f"--fairness-report was given {len(texts)} times for the {suffix} "
                f"format ({listed}): give at most one path per format (.html, "
                ".json, .md); several formats may be written at once."
            )
            raise pytest.UsageError(msg)
    return tuple(paths)


def _update_baselines(config: pytest.Config) -> bool:
    """Return ``--fairness-update-baselines``, or the ini key (refused under CI)."""
    if config.getoption("fairness_update_baselines"):
        return True
    if not config.getini("fairness_update_baselines"):
        return False
    if in_ci():
        msg = (
            f"{_ini_where(config, 'fairness_update_baselines')} is true and the "
            "environment variable CI is set: a committed setting would accept "
            "every regression on CI. Remove it from the ini file and pass "
            "--fairness-update-baselines on the command line when you mean to "
            "update the baselines."
        )
        raise pytest.UsageError(msg)
    return True


def _ini_min_group_size(config: pytest.Config) -> int | None:
    """Read ``fairness_min_group_size``: None when unset, else an integer >= 1.

    An ``int`` key gives an integer (from TOML, or read from the text); a
    value pytest cannot read as one, and any value on pytest before 8.4, is
    checked here so that every bad value gets the same message.
    """
    key = "fairness_min_group_size"
    try:
        raw = config.getini(key)
    except (pytest.UsageError, ValueError, TypeError) as exc:
        # pytest's message ends with the value it could not read: "invalid
        # literal for int() with base 10: 'abc'", "... got str: '30'" (TOML)
        text = str(exc)
        typed = re.search(r"got (\w+): (.*)$", text)
        got = (
            f"{typed.group(2)} (a TOML {typed.group(1)})"
            if typed
            else text.rsplit(": ", 1)[-1]
        )
        msg = f"{_ini_where(config, key)}: must be an integer >= 1. Got {got}."
        raise pytest.UsageError(msg) from None
    if raw is None or raw == "" or raw == []:
        return None
    return _from_ini(config, key, min_group_size_arg, str(raw))


def resolve_options(config: pytest.Config) -> Options:
    """Resolve the session settings from the command line, then ini, then defaults.

    Parameters
    ----------
    config : pytest.Config
        The pytest configuration.

    Returns
    -------
    Options
        The resolved settings. Relative paths from the command line are taken
        from the invocation folder, those from ini from the ini file's folder.

    Raises
    ------
    pytest.UsageError
        For a bad ini value (the message names the key and the file), for
        ``--fairness-report`` given twice for one format, and for
        ``fairness_update_baselines = true`` in an ini file when the
        environment variable ``CI`` is set.
    """
    invocation = config.invocation_params.dir
    ini_dir = config.inipath.parent if config.inipath else config.rootpath

    baseline_dir: Path | None = None
    cli_dir = config.getoption("fairness_baseline_dir")
    if cli_dir:
        baseline_dir = invocation / cli_dir
    elif config.getini("fairness_baseline_dir"):
        baseline_dir = ini_dir / str(config.getini("fairness_baseline_dir"))

    size = config.getoption("fairness_min_group_size")
    source = "--fairness-min-group-size"
    if size is None:
        size = _ini_min_group_size(config)
        source = _ini_where(config, "fairness_min_group_size")
    if size is None:
        size, source = DEFAULT_MIN_GROUP_SIZE, "default"

    history = config.getoption("fairness_history")
    if history is None:
        raw = str(config.getini("fairness_history") or "on")
        history = _from_ini(config, "fairness_history", history_arg, raw)
    raw_limit = str(config.getini("fairness_history_limit") or "")
    limit = (
        _from_ini(config, "fairness_history_limit", min_group_size_arg, raw_limit)
        if raw_limit
        else DEFAULT_HISTORY_LIMIT
    )

    return Options(
        reports=_reports(config, ini_dir),
        update_baselines=_update_baselines(config),
        baseline_dir=Path(os.path.normpath(baseline_dir)) if baseline_dir else None,
        min_group_size=int(size),
        min_group_size_source=source,
        baseline_dir_arg=cli_dir,
        history=bool(history),
        history_limit=limit,
    )
