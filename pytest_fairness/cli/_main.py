"""The commands of ``pytest-fairness`` and their argument parser."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_fairness._version import __version__

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from pytest_fairness.records import HistoryPoint

__all__ = ["build_parser", "main"]

OK, FAILED, USAGE = 0, 1, 2
REPORT_SUFFIXES = (".html", ".htm", ".md", ".json")
_SKIP_DIRS = {"node_modules", "site-packages", "__pycache__"}


class CommandError(Exception):
    """A file that cannot be read or written: exit status 2 with its message."""


def _table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    from tabulate import tabulate  # noqa: PLC0415 - loaded on first use

    from pytest_fairness import _escape as esc  # noqa: PLC0415

    cells = [[esc.terminal(c) for c in r] for r in rows]
    return str(
        tabulate(
            cells,
            headers=[esc.terminal(h) for h in headers],
            tablefmt="simple",
            disable_numparse=True,
        )
    )


def _fmt(value: float | None) -> str:
    from pytest_fairness.render._format import fmt  # noqa: PLC0415

    return fmt(value)


# -- report ------------------------------------------------------------------


def _report(args: argparse.Namespace) -> int:
    from pytest_fairness import render  # noqa: PLC0415
    from pytest_fairness.records import ReportDocument  # noqa: PLC0415

    source = Path(args.results)
    try:
        document = ReportDocument.from_json(source.read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"cannot read {source}: {exc.strerror or exc}"
        raise CommandError(msg) from None
    except (ValueError, KeyError, TypeError) as exc:
        msg = f"{source} is not a pytest-fairness JSON report: {exc}"
        raise CommandError(msg) from None
    for out in args.output:
        path = Path(out)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render.render(document, path.suffix), encoding="utf-8")
        except OSError as exc:
            msg = f"cannot write {path}: {exc.strerror or exc}"
            raise CommandError(msg) from None
        print(f"wrote {path} ({len(document.gates)} gate(s))")
    return OK


def _output_arg(text: str) -> str:
    if Path(text).suffix.lower() not in REPORT_SUFFIXES:
        msg = (
            "the format is chosen by the file extension, one of "
            f"{', '.join(REPORT_SUFFIXES)}. Got {text!r}"
        )
        raise argparse.ArgumentTypeError(msg)
    return text


# -- finding files -------------------------------------------------------------


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS
        )
        for name in sorted(files):
            yield Path(folder) / name


def _baseline_files(roots: Sequence[str], baseline_dir: str | None) -> list[Path]:
    if baseline_dir is not None:
        folder = Path(baseline_dir)
        if not folder.is_dir():
            msg = f"--baseline-dir {folder} is not a folder"
            raise CommandError(msg)
        return [p for p in _walk(folder) if p.suffix == ".json"]
    found = []
    for root in roots:
        path = Path(root)
        if path.is_file():
            found.append(path)
            continue
        if not path.is_dir():
            msg = f"{path} is neither a baseline file nor a folder"
            raise CommandError(msg)
        found += [
            p
            for p in _walk(path)
            if p.suffix == ".json" and p.parent.name == "__fairness__"
        ]
    return found


def _entries(text: str, path: Path) -> dict[str, Any]:
    from pytest_fairness.baseline._schema import parse_document  # noqa: PLC0415
    from pytest_fairness.exceptions import BaselineError  # noqa: PLC0415

    try:
        return dict(parse_document(text, path))
    except BaselineError as exc:
        raise CommandError(str(exc)) from None


def _values(entries: dict[str, Any]) -> dict[tuple[str, str], float | None]:
    out: dict[tuple[str, str], float | None] = {}
    for key, entry in entries.items():
        for metric, data in (entry.get("metrics") or {}).items():
            value = data.get("value") if isinstance(data, dict) else None
            out[key, metric] = None if value is None else float(value)
    return out


# -- baselines -------------------------------------------------------------------


def _baselines_show(args: argparse.Namespace) -> int:
    rows = []
    for path in _baseline_files(args.paths, args.baseline_dir):
        entries = _entries(path.read_text(encoding="utf-8"), path)
        for (key, metric), value in sorted(_values(entries).items()):
            kind = str(entries[key].get("kind", "disparity"))
            rows.append([str(path), key, kind, metric, _fmt(value)])
    if not rows:
        print("no baselines found")
        return OK
    print(_table(rows, ["file", "gate", "kind", "metric", "value"]))
    return OK


def _git(*args: str) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - a fixed git command
            ["git", *args],  # noqa: S607 - git from PATH, as a user runs it
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        msg = f"cannot run git: {exc}"
        raise CommandError(msg) from None
    if done.returncode != 0:
        msg = f"git {' '.join(args)} failed: {done.stderr.strip()}"
        raise CommandError(msg)
    return done.stdout


def _baselines_diff(args: argparse.Namespace) -> int:
    top = Path(_git("rev-parse", "--show-toplevel").strip())
    here = Path.cwd().resolve()
    now: dict[str, dict[tuple[str, str], float | None]] = {}
    for path in _baseline_files(args.paths, args.baseline_dir):
        name = path.resolve().relative_to(top).as_posix()
        now[name] = _values(_entries(path.read_text(encoding="utf-8"), path))
    listed = _git("ls-tree", "-r", "--name-only", args.against, "--", str(top))
    then: dict[str, dict[tuple[str, str], float | None]] = {}
    wanted = {
        (here / p).resolve().relative_to(top).as_posix()
        for p in args.paths
        if (here / p).is_file()
    }
    for name in listed.splitlines():
        chosen = name in now or name in wanted
        if args.baseline_dir is None:
            chosen = chosen or (
                name.endswith(".json") and Path(name).parent.name == "__fairness__"
            )
        else:
            folder = (here / args.baseline_dir).resolve().relative_to(top).as_posix()
            chosen = chosen or (
                name.startswith(folder + "/") and name.endswith(".json")
            )
        if chosen:
            text = _git("show", f"{args.against}:{name}")
            then[name] = _values(_entries(text, Path(f"{args.against}:{name}")))
    rows = []
    for name in sorted(set(now) | set(then)):
        old, new = then.get(name, {}), now.get(name, {})
        for gate, metric in sorted(set(old) | set(new)):
            a, b = old.get((gate, metric)), new.get((gate, metric))
            if (gate, metric) not in old:
                status, change = "added", "-"
            elif (gate, metric) not in new:
                status, change = "removed", "-"
            elif a == b:
                continue
            else:
                status = "changed"
                change = "-" if a is None or b is None else f"{b - a:+.3f}"
            rows.append([name, gate, metric, _fmt(a), _fmt(b), change, status])
    if not rows:
        print(f"no baseline changed since {args.against}")
        return OK
    print(
        _table(
            rows, ["file", "gate", "metric", args.against, "now", "change", "status"]
        )
    )
    return FAILED


# -- history -------------------------------------------------------------------------


def _history_points(roots: Sequence[str]) -> dict[str, list[HistoryPoint]]:
    from pytest_fairness.history import (  # noqa: PLC0415
        HISTORY_SUFFIX,
        HistoryError,
        points_by_gate,
        read_history,
    )

    out: dict[str, list[HistoryPoint]] = {}
    for root in roots:
        path = Path(root)
        if path.is_file():
            files = [path]
        elif path.is_dir():
            files = [p for p in _walk(path) if p.name.endswith(HISTORY_SUFFIX)]
        else:
            msg = f"{path} is neither a history file nor a folder"
            raise CommandError(msg)
        for file in files:
            try:
                points = read_history(file)
            except HistoryError as exc:
                raise CommandError(str(exc)) from None
            for gate, gate_points in points_by_gate(points).items():
                out.setdefault(gate, []).extend(gate_points)
    return out


def _history(args: argparse.Namespace) -> int:
    from pytest_fairness.records import BoundRow  # noqa: PLC0415
    from pytest_fairness.render._format import interval_text  # noqa: PLC0415
    from pytest_fairness.render._svg import history_chart  # noqa: PLC0415

    gates = _history_points(args.paths)
    if args.gate is not None:
        gates = {k: v for k, v in gates.items() if args.gate in (k, k.split("::")[0])}
        if not gates:
            msg = (
                f"no history for gate {args.gate!r} (give a test id, as pytest "
                "shows it)"
            )
            raise CommandError(msg)
    series: list[tuple[str, str, list[HistoryPoint]]] = []
    for gate, points in sorted(gates.items()):
        points = sorted(points, key=lambda p: p.sort_key)[-args.last :]
        metrics = dict.fromkeys(v.metric for p in points for v in p.values)
        series += [(gate, m, points) for m in metrics]
    if not series:
        print("no history found")
        return OK
    if args.output is None:
        rows = []
        for gate, metric, points in series:
            for p in points:
                v = p.value_of(metric)
                if v is None:
                    continue
                rows.append(
                    [
                        gate,
                        metric,
                        p.timestamp,
                        (p.commit or "")[:7] or "-",
                        _fmt(v.value) + interval_text(v.interval),
                        v.outcome.upper(),
                    ]
                )
        print(_table(rows, ["gate", "metric", "time", "commit", "value", "outcome"]))
        return OK
    out = Path(args.output)
    charts = []
    for i, (gate, metric, points) in enumerate(series, 1):
        row = BoundRow(metric, None, None, metric, None, "passed", "passed")
        chart = history_chart(points, row, f"h{i}")
        if chart is not None:
            charts.append((gate, chart))
    if out.suffix.lower() == ".svg":
        if len(charts) != 1:
            msg = (
                f"{out} holds one chart, and there are {len(charts)}: choose a "
                "gate with --gate and a single bound, or write .html"
            )
            raise CommandError(msg)
        text = charts[0][1] + "\n"
    else:
        from pytest_fairness import _escape as esc  # noqa: PLC0415

        body = "\n".join(
            f"<h2>{esc.html(gate)}</h2>\n{chart}" for gate, chart in charts
        )
        text = (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            "<title>Fairness history</title>\n</head>\n<body>\n<main>\n"
            f"<h1>Fairness history</h1>\n{body}\n</main>\n</body>\n</html>\n"
        )
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        msg = f"cannot write {out}: {exc.strerror or exc}"
        raise CommandError(msg) from None
    print(f"wrote {out} ({len(charts)} chart(s))")
    return OK


def _chart_arg(text: str) -> str:
    if Path(text).suffix.lower() not in (".svg", ".html", ".htm"):
        msg = f"the chart is written as .svg or .html. Got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return text


# -- audit ---------------------------------------------------------------------------

_PROGRESS_FROM = 64 * 2**20  # files this large show a progress bar on a terminal


class _Progress:
    """A progress bar on stderr: ``[######....]  60% 120 MB of 200 MB``."""

    def __init__(self, total: int, unit: str, *, shown: bool) -> None:
        self.total = max(total, 1)
        self.unit = unit
        self.shown = shown

    def _amount(self, n: int) -> str:
        if self.unit == "bytes":
            return f"{n / 2**20:,.1f} MB"
        return f"{n:,} rows"

    def update(self, done: int) -> None:
        if not self.shown:
            return
        share = min(done / self.total, 1.0)
        bar = "#" * round(30 * share)
        sys.stderr.write(
            f"\rreading [{bar:<30}] {share:4.0%} {self._amount(done)} of "
            f"{self._amount(self.total)}"
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


class _CountingFile:
    """A binary file that counts the bytes read from it."""

    def __init__(self, path: Path, progress: _Progress) -> None:
        self._handle = path.open("rb")
        self._progress = progress
        self.count = 0
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.count += len(data)
        self._progress.update(self.count)
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._handle.close()
        self.closed = True


def _read_table(path: Path, progress: bool | None) -> Any:
    from pytest_fairness._optional import import_optional  # noqa: PLC0415

    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        got = suffix or "no suffix"
        msg = f"{path}: audit reads .csv and .parquet files. Got {got!r}"
        raise CommandError(msg)
    pa = import_optional("pyarrow", extra="frames", purpose="reading data files")
    try:
        size = path.stat().st_size
    except OSError as exc:
        msg = f"cannot read {path}: {exc.strerror or exc}"
        raise CommandError(msg) from None
    shown = (
        progress
        if progress is not None
        else (size >= _PROGRESS_FROM and sys.stderr.isatty())
    )
    try:
        if suffix == ".csv":
            csv = import_optional("pyarrow.csv", extra="frames", purpose="reading CSV")
            bar = _Progress(size, "bytes", shown=shown)
            source = _CountingFile(path, bar)
            try:
                reader = csv.open_csv(pa.PythonFile(source, mode="r"))
                table = pa.Table.from_batches(list(reader), schema=reader.schema)
            finally:
                source.close()
                bar.close()
            return table
        pq = import_optional(
            "pyarrow.parquet", extra="frames", purpose="reading parquet"
        )
        handle = pq.ParquetFile(path)
        bar = _Progress(handle.metadata.num_rows, "rows", shown=shown)
        batches, done = [], 0
        try:
            for batch in handle.iter_batches():
                batches.append(batch)
                done += batch.num_rows
                bar.update(done)
        finally:
            bar.close()
        return pa.Table.from_batches(batches, schema=handle.schema_arrow)
    except (OSError, pa.ArrowException) as exc:
        msg = f"cannot read {path}: {exc}"
        raise CommandError(msg) from None


_SHORT_BOUND = re.compile(r"^\s*([A-Za-z_][\w]*)\s*=\s*([^<>=]+)$")


def _bound_arg(text: str) -> str:
    match = _SHORT_BOUND.match(text)
    if match is None:
        return text  # "demographic_parity_ratio >= 0.8", parsed by the gate
    try:
        float(match.group(2))
    except ValueError:
        msg = f"METRIC=VALUE needs a number. Got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    return f"{match.group(1)} <= {match.group(2).strip()}"


def _audit(args: argparse.Namespace) -> int:
    import pytest_fairness as pf  # noqa: PLC0415
    from pytest_fairness.exceptions import FairnessValueError  # noqa: PLC0415

    table = _read_table(Path(args.data), args.progress)
    sensitive = [c.strip() for c in args.sensitive.split(",") if c.strip()]
    try:
        report = pf.audit(
            data=table,
            y_true=args.y_true,
            y_pred=args.y_pred,
            sensitive_features=sensitive,
            min_group_size=args.min_group_size,
            confidence=args.confidence,
            random_state=0,
        )
        print(str(report))
        if not args.bound:
            return OK
        result = report.check(args.bound)
    except FairnessValueError as exc:
        raise CommandError(str(exc)) from None
    print()
    print(str(result))
    if result.failed:
        return FAILED
    if result.inconclusive and args.on_inconclusive == "fail":
        return FAILED
    return OK


# -- the parser ----------------------------------------------------------------------


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 1:
        msg = f"must be a number between 0 and 1, e.g. 0.95. Got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        msg = f"must be an integer >= 1. Got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the ``pytest-fairness`` command.

    Returns
    -------
    argparse.ArgumentParser
        With the subcommands ``report``, ``baselines show|diff``,
        ``history`` and ``audit``.
    """
    parser = argparse.ArgumentParser(
        prog="pytest-fairness",
        description=(
            "Render saved fairness reports, read baselines and their history, "
            "and audit a data file outside pytest. Exit status: 0 done, 1 a "
            "bound failed or baselines differ, 2 a usage error or an "
            "unreadable file."
        ),
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    report = commands.add_parser(
        "report",
        help="render a saved JSON report as HTML or markdown",
        description=(
            "Render a JSON report written by pytest --fairness-report=PATH.json "
            "as the HTML page or markdown the run would have written."
        ),
    )
    report.add_argument("results", metavar="RESULTS.json")
    report.add_argument(
        "-o",
        "--output",
        action="append",
        required=True,
        type=_output_arg,
        metavar="PATH",
        help="file to write; its extension (.html, .md, .json) chooses the "
        "format; repeat for several",
    )
    report.set_defaults(run=_report)

    baselines = commands.add_parser(
        "baselines",
        help="list stored baselines, or what changed since a commit",
        description="Read the baseline files (__fairness__/*.json).",
    )
    which = baselines.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, run, text in (
        ("show", _baselines_show, "list every gate with its stored values"),
        (
            "diff",
            _baselines_diff,
            "list the values that changed since a commit (exit 1 when any did)",
        ),
    ):
        sub = which.add_parser(name, help=text, description=text)
        sub.add_argument(
            "paths",
            nargs="*",
            default=["."],
            metavar="PATH",
            help="baseline files, or folders searched for __fairness__/*.json "
            "(default: the current folder)",
        )
        sub.add_argument(
            "--baseline-dir",
            metavar="DIR",
            help="read every .json below DIR, as pytest --fairness-baseline-dir",
        )
        if name == "diff":
            sub.add_argument(
                "--against",
                default="HEAD",
                metavar="REV",
                help="the commit to compare with (default: HEAD)",
            )
        sub.set_defaults(run=run)

    history = commands.add_parser(
        "history",
        help="print the trend of gates across runs, or draw it",
        description="Read the history files (__fairness__/*.history.jsonl).",
    )
    history.add_argument(
        "paths",
        nargs="*",
        default=["."],
        metavar="PATH",
        help="history files, or folders searched for them (default: the "
        "current folder)",
    )
    history.add_argument("--gate", metavar="NODEID", help="one gate, by test id")
    history.add_argument(
        "--last",
        type=_positive,
        default=20,
        metavar="N",
        help="the most recent N runs (default: 20)",
    )
    history.add_argument(
        "-o",
        "--output",
        type=_chart_arg,
        metavar="CHART",
        help="write the trend as a chart (.svg: one gate and bound; .html: all)",
    )
    history.set_defaults(run=_history)

    audit = commands.add_parser(
        "audit",
        help="audit a CSV or parquet file and check bounds",
        description=(
            "Audit the predictions in a data file (read with the frames "
            "extra) and print the groups, the disparities and the verdict of "
            "each --bound. Exit 1 when a bound fails."
        ),
    )
    audit.add_argument("data", metavar="DATA", help="a .csv or .parquet file")
    audit.add_argument("--y-true", required=True, metavar="COL")
    audit.add_argument("--y-pred", required=True, metavar="COL")
    audit.add_argument(
        "--sensitive", required=True, metavar="COL[,COL]", help="sensitive columns"
    )
    audit.add_argument(
        "--bound",
        action="append",
        default=[],
        type=_bound_arg,
        metavar="METRIC=VALUE",
        help="a bound: METRIC=VALUE means METRIC <= VALUE; 'METRIC >= VALUE' "
        "for others; repeat for several",
    )
    audit.add_argument(
        "--confidence",
        type=_probability,
        metavar="LEVEL",
        help="decide on intervals at this level (e.g. 0.95)",
    )
    audit.add_argument("--min-group-size", type=_positive, default=30, metavar="N")
    audit.add_argument(
        "--on-inconclusive",
        choices=("fail", "warn"),
        default="fail",
        help="exit status of a bound that intervals cannot decide (default: fail)",
    )
    progress = audit.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress",
        action="store_true",
        default=None,
        help="show a progress bar while reading (default: for files of 64 MB "
        "or more, on a terminal)",
    )
    progress.add_argument("--no-progress", dest="progress", action="store_false")
    audit.set_defaults(run=_audit)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``pytest-fairness`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: the command line).

    Returns
    -------
    int
        The exit status: 0 done, 1 a bound failed or baselines differ, 2 a
        usage error or a file that cannot be read.
    """
    args = build_parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except CommandError as exc:
        print(f"pytest-fairness {args.command}: error: {exc}", file=sys.stderr)
        return USAGE
    return status
