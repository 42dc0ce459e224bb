"""Sweep reports fit for a paper: bounded intervals, the article's order, a paste-able command, both
languages, outcome selection, paired differences first, SVG and PDF; and sweeps from Python."""

from __future__ import annotations

import itertools
import re
import struct
import zlib
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from scipy import stats

from sim import outcomes
from sim.sweep import figures
from sim.sweep.conditions import ordered
from sim.sweep.intervals import bounded_interval
from sim.sweep.markdown import command_line
from sim.sweep.report import report


def test_share_intervals_stay_inside_zero_one_where_a_t_interval_does_not():
    values = [0.45, 0.78, 0.90]  # the kind of case: 3 seeds near the top
    mean, sd = np.mean(values), np.std(values, ddof=1)
    t_high = mean + stats.t.ppf(0.975, 2) * sd / np.sqrt(3)
    assert t_high > 1
    got = bounded_interval(values, (0.0, 1.0))
    assert 0 < got["ci_low"] < got["mean"] < got["ci_high"] < 1
    # logit-scale t interval, back-transformed (delta method)
    half = stats.t.ppf(0.975, 2) * sd / np.sqrt(3) / (mean * (1 - mean))
    logit = np.log(mean / (1 - mean))
    assert got["ci_high"] == pytest.approx(1 / (1 + np.exp(-(logit + half))))


def test_resource_intervals_stay_non_negative_and_ties_on_a_bound_are_points():
    got = bounded_interval([0.5, 9.0, 20.0], (0.0, None))
    assert 0 < got["ci_low"] < got["mean"] < got["ci_high"]
    assert bounded_interval([1.0, 1.0, 1.0], (0.0, 1.0)) == {
        "mean": 1.0,
        "ci_low": 1.0,
        "ci_high": 1.0,
        "n": 3,
    }
    assert np.isnan(bounded_interval([0.4], (0.0, 1.0))["ci_low"])


def test_share_intervals_cover_the_true_mean():
    """Coverage of the logit interval over 2,000 samples of 5 seeds from Beta(8, 2) (mean 0.8): a
    95% interval must cover in 90-99% of samples (a 3-sigma band around 95% is +-1.5%; the delta
    method may undercover a little at n = 5)."""
    gen = np.random.default_rng(0)
    samples = gen.beta(8, 2, size=(2000, 5))
    covered = [(i := bounded_interval(s, (0.0, 1.0)))["ci_low"] <= 0.8 <= i["ci_high"] for s in samples]
    assert 0.90 <= np.mean(covered) <= 0.99


def test_conditions_come_in_the_articles_order_with_the_baseline_first():
    modes = pd.Series(["collaborative", "zone", "fragmented", "fusion", "brand", "zone"])
    assert ordered(modes) == ["fragmented", "zone", "brand", "fusion", "collaborative"]
    assert ordered(pd.Series(["need", "none", "performance", "equal"])) == [
        "none",
        "equal",
        "need",
        "performance",
    ]
    assert ordered(pd.Series([1.0, 0.0, 0.5])) == [0.0, 0.5, 1.0]


def test_the_report_command_can_be_pasted():
    argv = ["/home/x/repo/sim/__main__.py", "-m", "seed=range(0,3)", "hydra.sweep.dir=/tmp/a b"]
    assert command_line(argv) == "python -m sim -m 'seed=range(0,3)' 'hydra.sweep.dir=/tmp/a b'"
    assert command_line(["/usr/local/bin/vcsim", "governance=zone"]) == "vcsim governance=zone"


def fake_sweep(tmp_path, lang="en", selected=None):
    """A sweep directory as the command line leaves it (2 modes x 2 shares x 4 seeds), with outcomes
    made up so that zone is 0.1 above the baseline on every seed."""
    rows, series = [], []
    for mode in ("zone", "fragmented"):
        for share in (0.5, 0.0):
            for seed in range(4):
                run = f"governance={mode},seed={seed},sinking.share={share}"
                hydra = tmp_path / run / ".hydra"
                hydra.mkdir(parents=True)
                (hydra / "overrides.yaml").write_text(
                    yaml.safe_dump([f"governance={mode}", f"seed={seed}", f"sinking.share={share}"])
                )
                report_cfg = {"lang": lang, "outcomes": selected}
                (hydra / "config.yaml").write_text(yaml.safe_dump({"seed": seed, "report": report_cfg}))
                base = 0.3 + 0.05 * seed + share * 0.1
                values = {n: base + (0.1 if mode == "zone" else 0.0) for n in outcomes.OUTCOMES}
                row = {
                    "run": run,
                    "status": "completed",
                    "governance": mode,
                    "seed": seed,
                    "sinking.share": share,
                }
                rows.append({**row, **values, **{f"late_mean_{n}": v for n, v in values.items()}})
                for step in range(4):
                    series.append({**row, "step": step, **{n: v * step / 3 for n, v in values.items()}})
    pd.DataFrame(rows).to_parquet(tmp_path / "runs.parquet")
    pd.DataFrame(series).to_parquet(tmp_path / "timeseries.parquet")
    (tmp_path / "sweep.json").write_text(
        '{"command": ["/r/sim/__main__.py", "-m", "governance=zone,fragmented"]}'
    )
    return tmp_path


def test_weekly_intervals_read_in_batches_equal_those_of_the_whole_table(tmp_path, monkeypatch):
    """The report's weekly means and intervals, merged over batches of 5 rows (so every cell spans
    several batches, and one outcome is undefined in some weeks), equal those of the table read
    whole, to 1e-12."""
    from sim.sweep import intervals

    sweep = fake_sweep(tmp_path)
    series = pd.read_parquet(sweep / "timeseries.parquet")
    series.loc[series["step"] == 0, "demand_met"] = np.nan
    series.loc[(series["step"] == 1) & (series["seed"] > 1), "demand_met"] = np.nan
    series.to_parquet(sweep / "timeseries.parquet")
    done = pd.read_parquet(sweep / "runs.parquet").iloc[2:]  # runs left out of the figure
    by, names = ["governance", "sinking.share"], ["participation_rate", "demand_met"]
    monkeypatch.setattr(intervals, "CHUNK_ROWS", 5)
    got = intervals.summarise_weeks(sweep / "timeseries.parquet", done, by, names)
    whole = series[series["run"].isin(done["run"])]
    want = intervals.summarise(whole, [*by, "step"], names)
    key = [*by, "step", "outcome"]
    got, want = (t.sort_values(key, ignore_index=True) for t in (got, want))
    assert len(got) == 2 * 2 * 4 * 2 and list(got["n"]) == list(want["n"])
    pd.testing.assert_frame_equal(got[key], want[key], check_dtype=False)
    for column in ("mean", "ci_low", "ci_high"):
        np.testing.assert_allclose(got[column], want[column], rtol=0, atol=1e-12)
    assert got["n"].min() == 0 and got["n"].max() == 4  # an undefined week, and a cell of 4 seeds


@pytest.mark.slow
def test_a_chinese_report_leads_with_paired_differences_of_the_chosen_outcomes(tmp_path):
    sweep = fake_sweep(tmp_path, lang="zh", selected=["demand_met", "resources_spent"])
    text = report(sweep).read_text()
    paired = text.index("## 与基线的差异")
    assert paired < text.index("## 各条件下的水平")
    assert "python -m sim -m governance=zone,fragmented" in text
    header = next(line for line in text[paired:].splitlines() if line.startswith("| 治理"))
    assert header.split(" | ")[-2:] == ["需求满足率", "资源支出 (RU) |"]  # only the chosen outcomes
    assert "参与率" not in text
    zone = [line for line in text.splitlines() if line.startswith("| 片区治理")]
    assert zone[0].split(" | ")[2].startswith("0.100 [0.100, 0.100]")  # +0.1 on every seed
    levels = text[text.index("## 各条件下的水平") :].splitlines()
    rows = [line for line in levels if line.startswith("| ") and "---" not in line][1:]
    assert rows[0].startswith("| 分散治理（基线） | 0.0") and rows[-1].startswith("| 片区治理 | 0.5")
    for name in ("paired_differences", "timeseries", "levels_by_condition"):
        for ext in ("png", "svg", "pdf"):
            assert (sweep / "figures" / f"{name}.{ext}").stat().st_size > 1000
    pdf = (sweep / "figures" / "paired_differences.pdf").read_bytes()
    assert b"NotoSansCJKsc" in pdf  # the Chinese labels are set in the CJK font, not as missing glyphs


@pytest.mark.slow
def test_run_and_load_a_sweep_from_python(tmp_path):
    from sim import load_sweep, run_sweep
    from sim.config import ConfigError

    sweep = run_sweep(
        scenario="small", governance=["fragmented", "zone"], seed=range(2), steps=3, directory=tmp_path / "s"
    )
    assert sweep.exit_status == 0 and len(sweep.runs) == 4 and len(sweep.timeseries) == 4 * 4
    paired = sweep.paired("governance=fragmented")
    assert set(paired["governance"]) == {"zone"} and (paired["pairs"] == 2).all()
    again = load_sweep(tmp_path / "s")
    pd.testing.assert_frame_equal(again.runs, sweep.runs)
    assert "python -m sim -m" in sweep.report.read_text()
    with pytest.raises(ConfigError, match=r"^governance: got 'zon'.*\(did you mean zone\?\)$"):
        run_sweep(scenario="small", governance=["zon"], directory=tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def _pdf_font_sizes(path) -> list[float]:
    """The size of every text run in a PDF that matplotlib wrote (``/F1 7 Tf`` in its streams)."""
    sizes = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", path.read_bytes(), re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:  # an embedded font or image, not a page's content
            continue
        sizes += [float(size) for size in re.findall(rb"/F\d+ ([\d.]+) Tf", content)]
    return sizes


def _svg_panels(path) -> list[tuple[float, float]]:
    """The top-left corner (points) of each panel of a matplotlib SVG: its background patch."""
    corners = []
    for group in ElementTree.parse(path).getroot().iter("{http://www.w3.org/2000/svg}g"):
        if group.get("id", "").startswith("axes_"):
            d = next(group.iter("{http://www.w3.org/2000/svg}path")).get("d")
            xy = np.array(re.findall(r"[-\d.]+", d), dtype=float).reshape(-1, 2)
            corners.append((round(xy[:, 0].min(), 1), round(xy[:, 1].min(), 1)))
    return corners


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_figures_fit_a_journal_column_and_page_with_text_legible_in_print(tmp_path, monkeypatch, lang):
    """The headline outcomes as a grid, not a strip: 2 panels across at column width (89 mm),
    3 at page width (180 mm), drawn at that size (300 dpi) so nothing is scaled; every text in the
    saved PDFs at least 7 pt; every text drawn inside the figure, and none over another (rotated tick
    labels, whose boxes overlap by design, only inside)."""
    drawn: dict[str, list] = {}
    save = figures.save

    def checked_save(fig, out, name, dpi=150):
        boxes, draw = [], Text.draw

        def recording(text, renderer):
            if text.get_visible() and text.get_text().strip():
                boxes.append((text.get_text(), text.get_rotation(), text.get_window_extent(renderer)))
            return draw(text, renderer)

        with monkeypatch.context() as m:
            m.setattr(Text, "draw", recording)
            fig.draw_without_rendering()
        drawn[name] = (fig.bbox, boxes)
        return save(fig, out, name, dpi)

    monkeypatch.setattr(figures, "save", checked_save)
    sweep = fake_sweep(tmp_path, lang=lang)
    report(sweep)
    out = sweep / "figures"
    shown = re.findall(r"!\[.*?\]\((figures/.*?)\)", (sweep / "report.md").read_text())
    assert shown == [f"figures/{n}.png" for n in ("paired_differences", "timeseries", "levels_by_condition")]
    for name in ("paired_differences", "levels_by_condition"):
        for suffix, mm, across in (("", 180, 3), ("_column", 89, 2)):
            width, _ = struct.unpack(">II", (out / f"{name}{suffix}.png").read_bytes()[16:24])  # IHDR
            assert width == int(mm / 25.4 * figures.DPI), (name, suffix, width)
            corners = _svg_panels(out / f"{name}{suffix}.svg")
            assert len(corners) == len(outcomes.HEADLINE)
            down = -(-len(outcomes.HEADLINE) // across)
            assert len({x for x, _ in corners}) == across and len({y for _, y in corners}) == down, corners
    for name, (page, boxes) in drawn.items():
        assert min(_pdf_font_sizes(out / f"{name}.pdf")) >= 7, name  # pt, at print size
        for text, _, box in boxes:
            assert page.contains(box.x0 + 1, box.y0 + 1) and page.contains(box.x1 - 1, box.y1 - 1), (
                name,
                text,
            )
        level = [(text, box) for text, rotation, box in boxes if rotation == 0]
        for (a, box_a), (b, box_b) in itertools.combinations(level, 2):
            overlap = Bbox.intersection(box_a, box_b)
            assert overlap is None or min(overlap.width, overlap.height) < 1, (name, a, b)
