"""The Python blocks of README.md and docs/ run as tests (the root conftest.py).

Each case copies the repository's conftest.py into a pytester folder beside
some pages and runs pytest there; in a subprocess where the blocks change the
state of the process that runs them.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest((ROOT / "conftest.py").read_text())
    pytester.makeini("[pytest]\n")  # the folder is the rootdir
    return pytester


def write(repo: pytest.Pytester, path: str, *blocks: str) -> None:
    fence = "`" * 3
    text = "\n".join(
        f"Some prose.\n\n{fence}{info}\n{textwrap.dedent(code).strip()}\n{fence}\n"
        for info, code in (block.split("\n", 1) for block in blocks)
    )
    page = repo.path / path
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(text)


def test_each_block_runs_on_its_own_and_notest_is_not_run(repo):
    write(
        repo,
        "docs/page.md",
        "python\nshared = 1",
        "python\nassert 'shared' not in globals()",
        "python notest\nfairness.check(y_true=None, *, ...) -> FairnessReport",
        "text\nnot python either",
    )
    write(repo, "README.md", "python\nimport pytest_fairness")
    result = repo.runpytest("docs", "README.md")
    result.assert_outcomes(passed=3)


def test_a_failing_block_names_its_page_and_line(repo):
    write(repo, "docs/page.md", "python\nx = 1\nassert x == 2")
    result = repo.runpytest("docs")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["FAILED docs/page.md::[[]CodeFence#1[]][[]line:3[]]*"])


def test_blocks_that_leave_global_settings_changed_fail(repo):
    write(
        repo,
        "docs/page.md",
        "python\nimport sklearn\nsklearn.set_config(enable_metadata_routing=True)",
        """python
        import sklearn
        with sklearn.config_context(enable_metadata_routing=True):
            pass
        """,
        """python
        from hypothesis import settings
        settings.register_profile("ci", derandomize=True)
        settings.load_profile("ci")
        """,
        "python\nimport matplotlib.pyplot as plt\nplt.figure()",
    )
    result = repo.runpytest_subprocess("docs")
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(
        [
            "*leaves global settings changed*sklearn enable_metadata_routing*",
            "*leaves global settings changed*hypothesis settings profile*",
            "*leaves global settings changed*open matplotlib figures: 0 -> 1*",
        ]
    )


def test_markdown_outside_readme_and_docs_is_not_collected(repo):
    write(repo, "examples/README.md", "python\nraise RuntimeError")
    write(repo, "examples/docs/page.md", "python\nraise RuntimeError")
    result = repo.runpytest("examples")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_pages_in_folders_below_docs_are_collected(repo):
    # the site's how-to guides and API reference live in docs/how-to, docs/reference
    write(repo, "docs/how-to/page.md", "python\nassert 1 + 1 == 2")
    write(repo, "examples/README.md", "python\nraise RuntimeError")
    result = repo.runpytest_subprocess("examples", "docs")
    result.assert_outcomes(passed=1)
