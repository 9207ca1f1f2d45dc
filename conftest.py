"""Run every ```python block of README.md and of the pages of docs/ as a test.

pytest-markdown-docs (in the ``test`` extra) turns each block into one test
that runs on its own, in a fresh namespace; a block marked ``python notest``
is not run (see docs/README.md). Only these pages are collected: the plugin's
own switch, ``--markdown-docs``, would also run code in the docstrings of
every collected ``.py`` file. A block must leave the process as it found it:
scikit-learn's configuration, hypothesis' settings profile and the number of
open matplotlib figures are compared before and after each block. Blocks run
with one BLAS thread, as the in-processing tests do: on a busy two-core
machine a threaded BLAS mostly waits for itself.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Generator
    from pathlib import Path

_MISSING_TOOL = (
    "the Python blocks of README.md and docs/ run with pytest-markdown-docs: "
    'pip install -e ".[test]"'
)


def _is_doc_page(config: pytest.Config, path: Path) -> bool:
    root = config.rootpath
    return path.suffix == ".md" and (
        path == root / "README.md" or (root / "docs") in path.parents
    )


def pytest_collect_file(
    file_path: Path, parent: pytest.Collector
) -> pytest.Collector | None:
    """Collect the Python blocks of README.md and of the pages in docs/."""
    config = parent.config
    if not _is_doc_page(config, file_path):
        return None
    if getattr(config.option, "markdowndocs", False):
        return None  # pytest-markdown-docs collects every page itself
    try:
        from pytest_markdown_docs.plugin import MarkdownTextFile
    except ImportError:
        # pytest offers every file of the root folder, even to a run of
        # examples/ only: fail only if this page is collected.
        return _MissingTool.from_parent(parent, path=file_path)
    return MarkdownTextFile.from_parent(parent, path=file_path)


class _MissingTool(pytest.File):
    """A page whose blocks cannot be collected without pytest-markdown-docs."""

    def collect(self) -> list[pytest.Item]:
        raise ImportError(_MISSING_TOOL)


def _process_state() -> dict[str, object]:
    """Return the global settings that a doc block could leave changed."""
    import sklearn
    from hypothesis import settings

    pyplot = sys.modules.get("matplotlib.pyplot")
    return {
        **{f"sklearn {key}": value for key, value in sklearn.get_config().items()},
        "hypothesis settings profile": settings.default,
        "open matplotlib figures": len(pyplot.get_fignums()) if pyplot else 0,
    }


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Fail a doc block that leaves global settings changed."""
    if not _is_doc_page(item.config, item.path):
        return (yield)
    from threadpoolctl import threadpool_limits

    before = _process_state()
    with threadpool_limits(limits=1):
        result = yield
    after = _process_state()
    changed = [
        f"{name}: {before[name]!r} -> {after[name]!r}"
        for name in before
        if after[name] is not before[name] and after[name] != before[name]
    ]
    if changed:
        msg = (
            "this block leaves global settings changed (use a context manager "
            "such as sklearn.config_context): " + "; ".join(changed)
        )
        raise AssertionError(msg)
    return result
