"""The HTML report in a real browser: headless Chromium draws every chart.

Drives Debian's ``chromium`` binary through its command line (no Python
browser library): ``--dump-dom`` runs a measuring script on a copy of the
report, ``--screenshot`` photographs the report itself. With
``PYTEST_FAIRNESS_UPDATE_SCREENSHOTS=1`` the photograph replaces
``docs/images/report.png``, which the docs show.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Project

CHROMIUM = next(
    (
        found
        for name in ("chromium", "chromium-browser", "google-chrome")
        if (found := shutil.which(name))
    ),
    None,
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium binary on PATH (Debian: apt-get install chromium)",
)
DOCS_IMAGE = Path(__file__).resolve().parents[2] / "docs" / "images" / "report.png"

GATES = """
import pandas as pd
from pytest_fairness.causal import counterfactual_flip_rate

@pytest.mark.fairness_gate(demographic_parity_difference=0.2, baseline=True)
def test_passing(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.55), sensitive_features=SEX)

@pytest.mark.fairness_gate(demographic_parity_difference=0.1)
def test_failing(fairness):
    fairness.check(Y_TRUE, approve(0.25, 0.75), sensitive_features=SEX)

@pytest.mark.fairness_gate(demographic_parity_difference=0.5, baseline=True)
def test_regressed(fairness):
    fairness.check(Y_TRUE, approve(0.5, {male}), sensitive_features=SEX)

@pytest.mark.fairness_gate(
    demographic_parity_difference=0.1, confidence=0.95, on_inconclusive="warn"
)
def test_inconclusive(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.55), sensitive_features=SEX)

APPLICANTS = pd.DataFrame(
    {{"gender": ["female", "male"] * 50, "score": [i / 100 for i in range(100)]}}
)

class FavoursMen:
    def predict(self, X):
        men = X["gender"] == "male"
        return (men | (X["score"] >= 0.5)).astype(int).to_numpy()

def test_causal(fairness):
    flips = counterfactual_flip_rate(FavoursMen(), APPLICANTS, protected="gender")
    fairness.check_causal(flips, max_flip_rate=0.01)
"""

# Runs first in <head>: keeps every error the page raises (scripts, resources
# that fail to load, console.error).
CATCH = """<script>
window.__errors = [];
window.addEventListener("error", function (e) {
  var target = e.target || {};
  window.__errors.push(String(e.message || target.src || target.href));
}, true);
console.error = function () {
  window.__errors.push(Array.prototype.join.call(arguments, " "));
};
</script>"""

# Runs last in <body>: the size of every chart as the page opens, and again
# with every section opened; written into the DOM that --dump-dom prints.
MEASURE = """<script>
function measure() {
  return Array.prototype.map.call(document.querySelectorAll("svg"), function (s) {
    var r = s.getBoundingClientRect(), style = getComputedStyle(s);
    return {kind: s.getAttribute("class"), width: r.width, height: r.height,
            marks: s.querySelectorAll(".mark").length,
            title: (s.querySelector("title") || {}).textContent || "",
            open: s.closest("details") ? s.closest("details").open : true,
            shown: style.visibility !== "hidden" && style.display !== "none"};
  });
}
var asOpened = measure();
document.querySelectorAll("details").forEach(function (d) { d.open = true; });
var out = {asOpened: asOpened, allOpen: measure(), errors: window.__errors};
var pre = document.createElement("pre");
pre.id = "measured";
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>"""


def _chromium(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(  # noqa: S603 - a fixed browser command
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={cwd / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


def _measured(page: Path) -> dict[str, Any]:
    html = page.read_text(encoding="utf-8")
    probe = page.with_name("probe.html")
    probe.write_text(
        html.replace("<head>", "<head>\n" + CATCH, 1).replace(
            "</body>", MEASURE + "\n</body>", 1
        ),
        encoding="utf-8",
    )
    done = _chromium("--dump-dom", probe.as_uri(), cwd=page.parent)
    assert done.returncode == 0, done.stderr
    start = done.stdout.index('<pre id="measured">') + len('<pre id="measured">')
    text = done.stdout[start : done.stdout.index("</pre>", start)]
    for entity, char in (("&quot;", '"'), ("&lt;", "<"), ("&gt;", ">")):
        text = text.replace(entity, char)
    data: dict[str, Any] = json.loads(text.replace("&amp;", "&"))
    return data


@pytest.fixture
def report(project: Project) -> Path:
    project.write(GATES.format(male=0.55))
    project.run("--fairness-update-baselines", "-k", "passing or regressed")
    project.write(GATES.format(male=0.9))
    result = project.run("--fairness-report=fairness.html")
    result.assert_outcomes(passed=2, failed=3)
    return project.path / "fairness.html"


def test_every_chart_is_drawn_and_visible(report: Path) -> None:
    data = _measured(report)
    assert data["errors"] == []
    charts = data["allOpen"]
    kinds = sorted({c["kind"] for c in charts})
    assert kinds == ["chart disparities", "chart groups", "chart history"]
    for chart in charts:
        assert chart["width"] > 100, chart
        assert chart["height"] > 30, chart
        assert chart["shown"], chart
        assert chart["title"], chart
    # every bound and group is drawn as a shaped mark
    assert sum(c["marks"] for c in charts if c["kind"] == "chart disparities") == 5
    # the sections of gates that did not pass are open: their charts show
    # without a click
    opened = [c for c in data["asOpened"] if c["open"]]
    assert opened
    assert all(c["width"] > 100 and c["height"] > 30 for c in opened)


def test_a_screenshot_of_the_report(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    done = _chromium(
        f"--screenshot={shot}",
        "--window-size=1100,2600",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        report.as_uri(),
        cwd=report.parent,
    )
    assert done.returncode == 0, done.stderr
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 20_000  # a drawn page, not a blank one
    if os.environ.get("PYTEST_FAIRNESS_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, DOCS_IMAGE)
