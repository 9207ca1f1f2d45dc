"""Dump the exact results of many audits, to compare two checkouts bit for bit.

Run from the repository root::

    python benchmarks/dump_results.py after.json
    python benchmarks/dump_results.py before.json --src /path/to/other/checkout
    python benchmarks/dump_results.py --compare before.json after.json

It audits the same data in every input form the audit accepts (int codes,
strings, categoricals with unused categories, dicts, 2-D arrays, booleans,
floats, datetimes, mixed objects, pandas string and nullable dtypes, polars,
DuckDB and pyarrow frames), with weights, scores, references,
``intersectional=False``, Newcombe intervals, 60 and 2,000 groups, lost
levels, paired and two-sample baseline changes and gates, and writes every
report's JSON, ``by_group``, disparities, intervals at three levels, warnings
and error messages as text. ``--compare`` prints the entries that differ.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT: dict[str, Any] = {}


def rec(key: str, value: Any) -> None:
    OUT[key] = value


def dump_report(pf: Any, key: str, r: Any) -> None:
    rec(key + "/json", r.to_json())
    rec(key + "/groups", repr(r.groups))
    rec(key + "/small", repr([(g.group, g.count) for g in r.small_groups()]))
    bg = r.by_group
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec(
            key + "/by_group",
            bg.to_json(double_precision=15, orient="split", default_handler=str),
        )
    rec(key + "/by_group_index", repr(list(bg.index)))
    rec(key + "/overall", r.overall.to_json(double_precision=15))
    names = list(r.disparities())
    for n in names:
        try:
            d = r.disparity(n)
        except pf.FairnessError as e:
            rec(f"{key}/d/{n}", "ERR " + type(e).__name__ + str(e))
            continue
        rec(f"{key}/d/{n}", repr(d))
    if r.confidence is not None and r.task == "binary":
        for n in names:
            for lv in (None, 0.99, 0.9983):
                try:
                    iv: Any = r.interval(n, level=lv)
                except pf.FairnessError as e:
                    iv = "ERR " + str(e)
                rec(f"{key}/iv/{n}/{lv}", repr(iv))
    rec(key + "/undefined", repr(r.undefined()))


def audit(pf: Any, key: str, *a: Any, **k: Any) -> Any:
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        try:
            r = pf.audit(*a, **k)
        except pf.FairnessError as e:
            rec(key + "/error", type(e).__name__ + ": " + str(e))
            return None
    rec(
        key + "/warnings",
        [str(x.message) for x in ws if "Pandas" not in type(x.message).__name__],
    )
    if r is not None:
        dump_report(pf, key, r)
    return r


def run(pf: Any) -> None:
    from pytest_fairness.report import _change as ch
    from pytest_fairness.report._audit import capture_rows

    rng = np.random.default_rng(42)
    n = 20000
    cols = {f"s{i}": rng.integers(0, k, n) for i, k in enumerate((2, 5, 4, 3))}
    y = rng.integers(0, 2, n).astype(np.int8)
    p = (rng.random(n) < 0.3 + 0.4 * (cols["s0"] == 1)).astype(np.int8)
    frame = pd.DataFrame(cols)
    names = np.array([f"L{v}" for v in range(10)], dtype=object)
    strs = pd.DataFrame({k: names[c] for k, c in cols.items()})
    cats = strs.astype("category")
    cats_unused = cats.copy()
    cats_unused["s1"] = cats_unused["s1"].cat.add_categories(["zz", "aa"])
    cats_reordered = cats.copy()
    cats_reordered["s2"] = cats_reordered["s2"].cat.reorder_categories(
        list(reversed(cats["s2"].cat.categories))
    )
    w = rng.gamma(2.0, 1.0, n)
    score = np.clip(0.5 * p + 0.5 * rng.random(n), 0, 1)
    forms = [
        ("int", frame),
        ("str", strs),
        ("cat", cats),
        ("cat_unused", cats_unused),
        ("cat_reordered", cats_reordered),
        ("dict", dict(cols)),
        ("np2d", np.column_stack(list(cols.values()))),
        ("series", strs["s1"]),
    ]
    for name, sf in forms:
        for conf in (None, 0.95):
            audit(pf, f"{name}/{conf}", y, p, sensitive_features=sf, confidence=conf)
    audit(
        pf,
        "int/nonint",
        y,
        p,
        sensitive_features=frame,
        intersectional=False,
        confidence=0.95,
    )
    two = frame[["s0", "s1"]]
    audit(
        pf,
        "int/ref",
        y,
        p,
        sensitive_features=two,
        reference="majority",
        confidence=0.95,
    )
    audit(
        pf, "int/ref2", y, p, sensitive_features=two, reference=(1, 2), confidence=0.95
    )
    audit(
        pf,
        "int/newc",
        y,
        p,
        sensitive_features=two,
        ci_method="newcombe",
        confidence=0.95,
    )
    audit(
        pf,
        "w",
        y,
        p,
        sensitive_features=strs,
        sample_weight=w,
        confidence=0.95,
        random_state=7,
    )
    audit(
        pf,
        "score",
        y,
        p,
        sensitive_features=strs[["s0", "s1"]],
        y_score=score,
        sample_weight=w,
    )
    audit(pf, "score2", y, p, sensitive_features=strs[["s0", "s1"]], y_score=score)
    audit(
        pf, "regr", rng.random(n), rng.random(n), sensitive_features=strs[["s0", "s2"]]
    )
    small = 3000
    ys, ps = y[:small], p[:small]
    dtypes = [
        ("bool", rng.random(small) < 0.5),
        ("bool_one", np.ones(small, dtype=bool)),
        ("float", rng.integers(0, 3, small).astype(float) / 2),
        ("neg_int", rng.integers(-5, 5, small)),
        ("sparse_int", rng.choice([3, 10**9, -7, 42], small)),
        ("uint8", rng.integers(0, 4, small).astype(np.uint8)),
        ("int8", rng.integers(-2, 3, small).astype(np.int8)),
        (
            "dt",
            np.array(["2020-01-01", "2021-06-01"], dtype="datetime64[D]")[
                rng.integers(0, 2, small)
            ],
        ),
        (
            "mixed",
            np.array(["a", 1, 2.5, ("t", 1)], dtype=object)[rng.integers(0, 4, small)],
        ),
        ("unsortable", np.array([1, "b"], dtype=object)[rng.integers(0, 2, small)]),
        ("str_arr", np.array(["x", "y", "z"])[rng.integers(0, 3, small)]),
        (
            "pd_str",
            pd.Series(
                np.array(["x", "y", "z"], dtype=object)[rng.integers(0, 3, small)],
                dtype="string",
            ),
        ),
        ("pd_int_ext", pd.Series(rng.integers(0, 3, small), dtype="Int64")),
        ("pd_bool", pd.Series(rng.random(small) < 0.3)),
        (
            "pd_cat_int",
            pd.Series(
                pd.Categorical(rng.integers(0, 3, small), categories=[2, 1, 0, 5])
            ),
        ),
        ("cat_interval", pd.Series(pd.cut(rng.random(small), [0, 0.3, 0.7, 1.0]))),
        ("list", list(np.array(["p", "q"])[rng.integers(0, 2, small)])),
        ("nan_float", np.where(rng.random(small) < 0.01, np.nan, 1.0)),
        ("none_obj", np.where(rng.random(small) < 0.01, None, "a").astype(object)),
        (
            "cat_nan",
            pd.Series(pd.Categorical(np.where(rng.random(small) < 0.01, None, "a"))),
        ),
        ("unhashable", pd.Series([[1]] * small)),
        (
            "pd_str_na",
            pd.Series(np.where(rng.random(small) < 0.01, None, "a"), dtype="string"),
        ),
    ]
    for name, sf in dtypes:
        audit(
            pf,
            f"dtype/{name}",
            ys,
            ps,
            sensitive_features=sf,
            min_group_size=5,
            confidence=0.9,
        )
    data = pd.DataFrame(
        {**{k: names[c] for k, c in cols.items()}, "y": y, "p": p, "w": w}
    )
    kw = {"y_true": "y", "y_pred": "p"}
    audit(
        pf,
        "pandas/data",
        data=data,
        sensitive_features=["s0", "s1"],
        confidence=0.95,
        **kw,
    )
    try:
        import polars as pl

        pdf = pl.from_pandas(data)
        audit(
            pf,
            "polars/data",
            data=pdf,
            sensitive_features=["s0", "s1", "s2"],
            confidence=0.95,
            **kw,
        )
        audit(
            pf,
            "polars/dataw",
            data=pdf.lazy(),
            sensitive_features=["s0", "s1"],
            sample_weight="w",
            confidence=0.95,
            **kw,
        )
    except ImportError:
        pass
    try:
        import duckdb
        import pyarrow as pa

        rel = duckdb.connect().from_arrow(pa.Table.from_pandas(data))
        audit(
            pf,
            "duck/data",
            data=rel,
            sensitive_features=["s0", "s1", "s2"],
            confidence=0.95,
            **kw,
        )
        audit(
            pf,
            "duck/dataw",
            data=rel,
            sensitive_features=["s0", "s3"],
            sample_weight="w",
            **kw,
        )
        missing = data.copy()
        missing.loc[5, "s1"] = None
        audit(
            pf,
            "duck/missing",
            data=duckdb.connect().from_df(missing),
            sensitive_features=["s0", "s1"],
            **kw,
        )
        audit(
            pf,
            "arrow/data",
            data=pa.Table.from_pandas(data),
            sensitive_features=["s0", "s1"],
            confidence=0.95,
            **kw,
        )
    except ImportError:
        pass
    g60 = rng.integers(0, 60, 30000)
    y60 = rng.integers(0, 2, 30000)
    p60 = (rng.random(30000) < 0.4 + 0.002 * g60).astype(int)
    audit(pf, "g60", y60, p60, sensitive_features=g60, confidence=0.95, n_boot=500)
    g2k = np.column_stack([rng.integers(0, 40, 60000), rng.integers(0, 50, 60000)])
    y2k = rng.integers(0, 2, 60000)
    p2k = (rng.random(60000) < 0.4).astype(int)
    audit(
        pf, "g2k", y2k, p2k, sensitive_features=g2k, confidence=0.95, min_group_size=20
    )
    lv = np.where(
        rng.random(8000) < 0.005, "rare", np.where(rng.random(8000) < 0.5, "a", "b")
    )
    audit(
        pf,
        "lost",
        y[:8000],
        p[:8000],
        sensitive_features={"x": lv, "z": rng.integers(0, 3, 8000)},
        confidence=0.95,
        min_denominator=15,
    )
    for seed in (0, 5):
        with capture_rows() as rows:
            new = pf.audit(
                y,
                p,
                sensitive_features=strs[["s0", "s1"]],
                confidence=0.95,
                random_state=seed,
            )
        old_pred = np.where(rng.random(n) < 0.05, 1 - p, p).astype(np.uint8)
        for name in (
            "demographic_parity_difference",
            "equalized_odds_ratio",
            "predictive_parity_difference",
        ):
            rec(
                f"change/paired/{seed}/{name}",
                repr(ch.paired_change(new, rows[0], old_pred, name)),
            )
            block = ch.counts_block(
                pf.audit(
                    y, old_pred, sensitive_features=strs[["s0", "s1"]], confidence=0.95
                )
            )
            old = ch.report_from_counts(new, block)
            rec(f"change/two/{seed}/{name}", repr(ch.two_sample_change(old, new, name)))
    report = pf.audit(y, p, sensitive_features=frame, confidence=0.95)
    bounds = {
        "demographic_parity_difference": 0.1,
        "equalized_odds_difference": 0.2,
        "demographic_parity_ratio": 0.8,
        "predictive_parity_difference": 0.3,
    }
    for corr in ("holm", "bonferroni", "none"):
        rec(
            f"gate/{corr}",
            str(dataclasses.replace(report, correction=corr).check(bounds)),
        )


def compare(a_path: Path, b_path: Path) -> int:
    a, b = json.loads(a_path.read_text()), json.loads(b_path.read_text())
    differ = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    for k in differ[:20]:
        print("DIFF", k)
        print("  a:", str(a.get(k))[:400])
        print("  b:", str(b.get(k))[:400])
    print(f"{len(differ)} of {len(set(a) | set(b))} entries differ")
    return 1 if differ else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", nargs="?", type=Path)
    p.add_argument("--src", type=Path, default=ROOT)
    p.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    args = p.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if args.out is None:
        p.error("give the output file, or --compare A B")
    sys.path.insert(0, str(args.src.resolve()))
    import pytest_fairness as pf

    run(pf)
    args.out.write_text(json.dumps(OUT, indent=0, sort_keys=True, default=str))
    print(f"{len(OUT)} entries written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
