"""Reading the results as a reader does: the demo study run end to end in a temporary folder,
its front page and notebook HTML opened in headless Chromium, then one coding removed and the
study rerun to see what the front page and changes.csv say moved.

Chromium is Debian's ``chromium`` package (``apt-get install -y chromium``); the browser checks
are skipped with that message when it is absent.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from test_pipeline import copy_study, snakemake

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NEEDS_CHROMIUM = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed (apt-get install -y chromium)"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    folder = copy_study(tmp_path_factory.mktemp("reading"))
    snakemake(folder, "--cores", "2")
    return folder


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Open ``page`` from disk (file://) in a fresh headless Chromium profile."""
    profile.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
    )


def pages(study: Path) -> list[Path]:
    return [study / "results/index.html", *sorted((study / "results/notebooks").glob("*.html"))]


def broken_references(page: Path, soup: BeautifulSoup) -> list[str]:
    """Links and images of ``page`` whose file does not exist (external URLs count as broken:
    the pages must work offline)."""
    broken = []
    for tag, attr in (("a", "href"), ("img", "src"), ("link", "href")):
        for element in soup.find_all(tag):
            url = element.get(attr, "")
            if not url or url.startswith(("#", "data:")):
                continue
            parsed = urlparse(url)
            if parsed.scheme or parsed.netloc:
                broken.append(url)
            elif not (page.parent / unquote(parsed.path)).is_file():
                broken.append(url)
    return broken


def test_front_page_headline_numbers_equal_the_csvs(study):
    soup = BeautifulSoup((study / "results/index.html").read_text(encoding="utf-8"), "html.parser")

    def shown(key: str) -> str:
        return soup.find(id=f"n-{key}").find(class_="value").text

    people = pd.read_csv(study / "data/participants.csv")
    interviews = pd.read_csv(study / "data/interviews.csv")
    status = pd.read_csv(study / "results/reconciliation/status.csv", keep_default_na=False)
    counts = status[status["unit_id"] == ""].set_index("kind")["count"]
    summary = pd.read_csv(study / "results/agreement/agreement_summary.csv")
    pooled = summary.query("scope == 'overall' and statistic == 'pooled_kappa' and unit == 'turn'")
    consensus = pd.read_csv(study / "results/consensus/codings.csv")
    assert shown("participants") == str(people["participant_id"].nunique())
    assert shown("interviews") == f"{(interviews['recorded'] == 'yes').sum()} of {len(interviews)}"
    assert shown("kappa") == f"{pooled['value'].iloc[0]:.2f}"
    label = soup.find(id="n-kappa").find(class_="label").text
    low, high = pooled["boot_ci_low"].iloc[0], pooled["boot_ci_high"].iloc[0]
    assert f"95% CI {low:.2f}–{high:.2f}" in label
    for key in ("resolved", "unresolved", "stale"):
        assert shown(key) == str(counts[key])
    assert shown("consensus") == str(len(consensus))
    assert "nothing to compare" in soup.find(id="changes").text  # the first run here
    assert (study / "results/changes.csv").read_text() == "change,item,previous,current\n"


@NEEDS_CHROMIUM
def test_pages_open_in_chromium_with_no_broken_links_no_script_and_no_visible_code(study, tmp_path):
    for page in pages(study):
        proc = chromium(page, tmp_path / f"profile-{page.stem}", "--dump-dom")
        assert proc.returncode == 0, proc.stderr[-2000:]
        dom = BeautifulSoup(proc.stdout, "html.parser")
        assert dom.find("main") is not None, f"{page.name} did not render"
        assert broken_references(page, dom) == [], page.name
        assert "Content Security Policy" not in proc.stderr, f"{page.name}: something was blocked"
        assert dom.find("script") is None
        if page.name != "index.html":
            code = dom.select(".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor")
            assert code, page.name
            for area in code:  # every code cell is inside a closed "show code" disclosure
                details = area.find_parent("details")
                assert details is not None and details.get("open") is None, page.name
            assert dom.find(id="run-settings") is not None
            assert not dom.select(".jp-CodeCell [data-tags*=parameters]")
    shots = tmp_path / "shots"
    shots.mkdir()
    for page in (pages(study)[0], study / "results/notebooks/manuscript.html"):
        png = shots / f"{page.stem}.png"
        proc = chromium(
            page, tmp_path / "profile-shot", "--window-size=1280,2000", f"--screenshot={png}"
        )
        assert png.stat().st_size > 20_000, proc.stderr[-2000:]


def _a_only_coding(study: Path) -> tuple[int, str, str]:
    """A coding of coder A that coder B did not make, on one unit: (row, unit, code)."""
    disagreements = pd.read_csv(study / "results/reconciliation/disagreements.csv", dtype=str)
    units = pd.read_csv(study / "results/clean/units.csv", dtype=str)
    codings = pd.read_csv(study / "data/codings/coder_a.csv", dtype=str)
    for row in disagreements[
        (disagreements["coder_a"] == "1") & (disagreements["coder_b"] == "0")
    ].itertuples():
        unit = units[units["unit_id"] == row.unit_id].iloc[0]
        start, end = int(unit["start"]), int(unit["end"])
        hits = codings[
            (codings["transcript_id"] == unit["transcript_id"])
            & (codings["code"] == row.code)
            & (codings["start"].astype(int) < end)
            & (codings["end"].astype(int) > start)
        ]
        if len(hits) != 1:
            continue
        hit = hits.iloc[0]
        same = units[units["transcript_id"] == unit["transcript_id"]]
        covered = same[
            (same["start"].astype(int) < int(hit["end"]))
            & (same["end"].astype(int) > int(hit["start"]))
        ]
        if len(covered) == 1:
            return int(hits.index[0]), row.unit_id, row.code
    raise AssertionError("no single-unit coding of coder A alone in the demo")


def test_removing_one_coding_shows_the_kappa_change_and_the_input(study):
    index, changes = study / "results/index.html", study / "results/changes.csv"
    before = index.read_bytes(), changes.read_bytes()
    snakemake(study, "--cores", "1", "--forcerun", "frontpage")
    assert (index.read_bytes(), changes.read_bytes()) == before  # rebuilding is idempotent
    old = pd.read_csv(study / "results/agreement/agreement_by_code.csv").set_index("code")
    row, unit, code = _a_only_coding(study)
    path = study / "data/codings/coder_a.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[: row + 1] + lines[row + 2 :]), encoding="utf-8")
    snakemake(study, "--cores", "2")
    new = pd.read_csv(study / "results/agreement/agreement_by_code.csv").set_index("code")
    rows = pd.read_csv(changes, dtype=str, keep_default_na=False)
    kappa = rows[(rows["change"] == "kappa") & (rows["item"] == code)]
    assert len(kappa) == 1
    assert kappa.iloc[0]["previous"] == f"{old.at[code, 'kappa']:.4f}"
    assert kappa.iloc[0]["current"] == f"{new.at[code, 'kappa']:.4f}"
    counts = rows[(rows["change"] == "counts") & (rows["item"] == code)].iloc[0]
    assert counts["current"].split("/")[1] == str(int(old.at[code, "a_only"]) - 1)
    assert ["input", "coder coder_a"] in rows[["change", "item"]].values.tolist()
    page = BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser")
    section = page.find(id="changes").text
    assert "Inputs changed since the previous run: coder coder_a." in section
    assert code in section and kappa.iloc[0]["previous"] in section
    # the team's decision on that disagreement is now stale, and the page says so
    assert f"{unit} {code}" in page.find(id="warnings").text
