"""Baseline files on disk: where they live, reading, atomic writing, merging.

Standard library only; nothing here imports pytest or numpy.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_fairness.baseline._schema import _ADVICE, canonical, dumps, parse_document
from pytest_fairness.exceptions import BaselineError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

__all__ = [
    "BASELINE_DIRNAME",
    "LOCK_NAME",
    "LOCK_TIMEOUT",
    "OUTSIDE_ROOTDIR",
    "BaselineFile",
    "baseline_path",
    "folder_lock",
    "merge_entries",
    "remove_stale_temporaries",
    "unused_keys",
    "write_atomic",
]

BASELINE_DIRNAME = "__fairness__"
#: Folder below ``--fairness-baseline-dir`` for modules outside the rootdir.
OUTSIDE_ROOTDIR = "__outside_rootdir__"
#: The lock file of a baseline folder, held while one of its files is written.
LOCK_NAME = ".pytest-fairness.lock"
#: Seconds to wait for another process writing the same folder.
LOCK_TIMEOUT = 60.0
# What write_atomic leaves when it is killed between creating and renaming:
# ".<name>.json.<random>.tmp" (tempfile.mkstemp's random part).
_TEMPORARY = re.compile(r"\A\..+\.json\.[A-Za-z0-9_]+\.tmp\Z")


def baseline_path(
    module: Path | str, *, rootpath: Path | str, baseline_dir: Path | str | None = None
) -> Path:
    """Return the baseline file of a test module.

    Parameters
    ----------
    module : path-like
        The test module, e.g. ``tests/test_model.py``; a relative path is
        taken relative to ``rootpath``.
    rootpath : path-like
        The project root (pytest's rootdir).
    baseline_dir : path-like, optional
        A folder holding every baseline. Without it the file is
        ``__fairness__/<module stem>.json`` beside the module; with it, the
        module's folder relative to ``rootpath`` is mirrored below
        ``baseline_dir``. A module outside ``rootpath`` goes below
        ``baseline_dir/__outside_rootdir__/up-<n>/``, where ``n`` is how many
        folders up from ``rootpath`` its path starts, followed by the rest
        of that path: ``../x/test_m.py`` and ``../y/test_m.py`` keep two
        files, and a checkout moved elsewhere finds them again.

    Returns
    -------
    pathlib.Path
        The absolute, normalised path of the baseline file.
    """
    root = Path(os.path.normpath(Path(rootpath).absolute()))
    module = Path(os.path.normpath(root / module))
    name = module.stem + ".json"
    if baseline_dir is None:
        return module.parent / BASELINE_DIRNAME / name
    base = Path(os.path.normpath(root / baseline_dir))
    try:
        relative = module.parent.relative_to(root)
    except ValueError:
        return base / OUTSIDE_ROOTDIR / _outside(module.parent, root) / name
    return base / relative / name


def _outside(folder: Path, root: Path) -> Path:
    """Spell a folder outside ``root`` as ``up-<n>/<rest>``, one path per folder."""
    try:
        parts = Path(os.path.relpath(folder, root)).parts
    except ValueError:  # another drive (Windows): no relative path exists
        drive = folder.drive.rstrip(":\\/") or "root"
        return Path(f"drive-{drive}", *folder.parts[1:])
    ups = sum(part == os.pardir for part in parts)
    return Path(f"up-{ups}", *parts[ups:])


@dataclass(frozen=True)
class BaselineFile:
    """The gates stored in one baseline file.

    Attributes
    ----------
    path : pathlib.Path
        Where the file lives.
    gates : dict
        Gate key (test name, plus ``::name`` for a named check) to entry.
    exists : bool
        Whether the file was found on disk.
    """

    path: Path
    gates: dict[str, dict[str, Any]] = field(default_factory=dict)
    exists: bool = False

    @classmethod
    def load(cls, path: Path) -> BaselineFile:
        """Read a baseline file; a missing file gives an empty one.

        Parameters
        ----------
        path : pathlib.Path
            The file.

        Returns
        -------
        BaselineFile
            Its gates (none when the file does not exist).

        Raises
        ------
        BaselineError
            When the file cannot be read, is corrupt or has another schema.
        """
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path)
        except UnicodeDecodeError as exc:
            msg = (
                f"baseline file {path} is not UTF-8 text (byte {exc.start}: "
                f"{exc.reason}). {_ADVICE}"
            )
            raise BaselineError(msg) from None
        except OSError as exc:
            msg = f"cannot read baseline file {path}: {exc}"
            raise BaselineError(msg) from None
        return cls(path, parse_document(text, path), exists=True)

    def differs(self, gates: Mapping[str, Mapping[str, Any]]) -> bool:
        """Return whether saving ``gates`` would change the file on disk.

        Parameters
        ----------
        gates : mapping
            The complete new content.

        Returns
        -------
        bool
            False when the file holds the same content (rounded as written),
            or when there is neither a file nor anything to write.
        """
        same = canonical(dict(gates)) == canonical(self.gates)
        return not (same and (self.exists or not gates))

    def save(self, gates: Mapping[str, Mapping[str, Any]]) -> bool:
        """Write ``gates`` to the file atomically, if they differ from it.

        An empty mapping removes the file.

        Parameters
        ----------
        gates : mapping
            The complete new content.

        Returns
        -------
        bool
            Whether anything changed on disk.
        """
        if not self.differs(gates):
            return False
        if not gates:
            self.path.unlink(missing_ok=True)
            return self.exists
        write_atomic(self.path, dumps(gates))
        return True


def write_atomic(path: Path, text: str) -> None:
    r"""Write a text file atomically: a temporary file in the same folder, renamed.

    Readers see the old content or the new one, never a partial file.

    Parameters
    ----------
    path : pathlib.Path
        The file to (re)write; missing parent folders are created.
    text : str
        The content, written as UTF-8 with ``\\n`` line endings.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(mode)
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def folder_lock(folder: Path, *, timeout: float = LOCK_TIMEOUT) -> Iterator[Path]:
    """Hold the lock of a baseline folder while its files are read and rewritten.

    Two pytest processes that update baselines of the same folder take turns:
    each re-reads a file under the lock and merges its own entries into what
    is there now, so neither loses the other's. The lock is
    :data:`LOCK_NAME` in the folder, taken with :mod:`filelock` (imported
    here, so that loading the plugin stays cheap). The operating system
    releases it when its process ends, however it ends; the empty file may
    stay behind and is reused by the next writer.

    Parameters
    ----------
    folder : pathlib.Path
        The folder (created when missing).
    timeout : float, default=60
        Seconds to wait for another process.

    Yields
    ------
    pathlib.Path
        The lock file.

    Raises
    ------
    BaselineError
        When another process holds the lock longer than ``timeout``, or the
        folder cannot be created.
    """
    from filelock import FileLock, Timeout  # noqa: PLC0415 - only when writing

    lock_path = folder / LOCK_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(lock_path, timeout=timeout)
        lock.acquire()
    except Timeout:
        msg = (
            f"cannot lock baseline folder {folder}: another process has held "
            f"{lock_path} for more than {timeout:g} s. Let the other pytest run "
            "finish, then run this one again; its baselines were not written."
        )
        raise BaselineError(msg) from None
    except OSError as exc:
        msg = f"cannot lock baseline folder {folder} ({lock_path}): {exc}"
        raise BaselineError(msg) from None
    try:
        yield lock_path
    finally:
        lock.release()


def remove_stale_temporaries(folder: Path, *, older_than: float) -> list[Path]:
    """Remove the temporary files that interrupted writes left in a folder.

    :func:`write_atomic` writes ``.<name>.json.<random>.tmp`` and renames
    it; a process killed in between leaves it. Only such files last modified
    before ``older_than`` are removed, so a write that is under way in
    another process (which started after that time) keeps its file. Call it
    with the folder's lock held.

    Parameters
    ----------
    folder : pathlib.Path
        A baseline folder.
    older_than : float
        A time stamp (:func:`time.time`), e.g. the start of this session.

    Returns
    -------
    list of pathlib.Path
        The files removed, sorted.
    """
    removed = []
    try:
        candidates = sorted(folder.iterdir())
    except OSError:
        return []
    for path in candidates:
        if not _TEMPORARY.match(path.name):
            continue
        with contextlib.suppress(OSError):
            if path.is_file() and path.stat().st_mtime < older_than:
                path.unlink()
                removed.append(path)
    return removed


def merge_entries(
    stored: Mapping[str, Mapping[str, Any]],
    recorded: Mapping[str, Mapping[str, Any]],
    *,
    update: bool,
    drop: Iterable[str] = (),
) -> dict[str, dict[str, Any]]:
    """Combine the stored gates with the ones recorded in a run.

    Parameters
    ----------
    stored : mapping
        The gates in the file.
    recorded : mapping
        Gates measured in this run, keyed like ``stored``.
    update : bool
        Replace stored entries by the recorded ones and remove ``drop``.
        Without it, only what is missing is added: a stored value is never
        overwritten.
    drop : iterable of str, default=()
        Keys to remove (only with ``update``).

    Returns
    -------
    dict
        The new content of the file.
    """
    out = {k: dict(v) for k, v in stored.items()}
    if update:
        for key in drop:
            out.pop(key, None)
    for key, entry in recorded.items():
        if update or key not in out:
            out[key] = dict(entry)
            continue
        old = dict(out[key])
        metrics = dict(old.get("metrics", {}))
        for name, value in entry.get("metrics", {}).items():
            metrics.setdefault(name, value)
        old["metrics"] = metrics
        out[key] = old
    return out


def unused_keys(
    stored: Iterable[str], used: Iterable[str], undecided_tests: Iterable[str] = ()
) -> list[str]:
    """Return the stored gate keys no test asked for.

    Parameters
    ----------
    stored : iterable of str
        Keys in the baseline file.
    used : iterable of str
        Keys of the gates that ran.
    undecided_tests : iterable of str, default=()
        Tests that did not finish their body (skipped, failed, errored):
        their keys (the test itself and its ``test::name`` checks) are kept.

    Returns
    -------
    list of str
        The unused keys, sorted.
    """
    used = set(used)
    undecided = tuple(undecided_tests)
    return sorted(
        key
        for key in stored
        if key not in used
        and not any(key == t or key.startswith(t + "::") for t in undecided)
    )
