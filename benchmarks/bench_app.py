"""Speed of the browser app in a real headless Chromium (Debian's), served offline on 127.0.0.1.

Prints medians over repeats, each next to its target:
- Step: milliseconds from the click to the moment the map and all four plots have drawn the next
  week, measured in the page (performance.now), at nanjing_east (target < 300 ms);
- Play: weeks per second, read in the page from the week the map shows at the first and the last
  frame drawn in a few seconds of Play (or until the run ends, at 52 weeks), at nanjing_east
  (target >= 5), huangpu and shanghai (target >= 1), and the frames drawn per second (Play draws at
  most 10 a second: see sim.viz.page.Session.play);
- Step at huangpu and shanghai, and Reset (building the model) at shanghai;
- the machine's load average before and after, since the machine may be shared.

    python benchmarks/bench_app.py [--steps 20] [--repeats 3] [--play-seconds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from sim.i18n import term
from sim.viz import harness

STEP_TARGET_MS = 300
PLAY_TARGET = {"nanjing_east": 5.0, "huangpu": 1.0, "shanghai": 1.0}
# a shanghai week takes seconds: its Play windows are longer, so that each holds several frames
PLAY_SECONDS_AT_LEAST = {"shanghai": 30.0}
BUILD_TIMEOUT_MS = 300_000  # Reset builds the model: about 20 s at shanghai on a busy machine
# Note each frame the map draws during Play and the week it shows (WATCH), then give the weeks
# advanced, the frames drawn and the seconds between the first and the last frame (RESULT).
WATCH = """() => {
    const map = document.querySelector('.vcs-vega[data-name=map]');
    window.vcsFrames = [];
    window.vcsObserver = new MutationObserver(
        () => window.vcsFrames.push([Number(map.dataset.week), performance.now()]));
    window.vcsObserver.observe(map, {attributes: true, attributeFilter: ['data-frame']});
}"""
RESULT = """() => {
    window.vcsObserver.disconnect();
    const frames = window.vcsFrames, [first, t0] = frames[0], [last, t1] = frames[frames.length - 1];
    return [last - first, frames.length - 1, (t1 - t0) / 1000];
}"""


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def wait_drawn(page, frame: int, timeout_ms: int = 60_000) -> None:
    page.wait_for_function(harness.ALL_DRAWN, arg=frame, timeout=timeout_ms)


def reset(page) -> float:
    """Reset, and wait until every view shows week 0 of the new model (not a late frame of Play);
    the seconds that took."""
    before = page.evaluate(harness.CURRENT_FRAME)
    t0 = time.perf_counter()
    page.locator("button.vcs-reset").click()
    wait_drawn(page, before + 1, BUILD_TIMEOUT_MS)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.vcs-vega')].every(v => v.dataset.week === '0')",
        timeout=BUILD_TIMEOUT_MS,
    )
    return time.perf_counter() - t0


def step_times(page, n: int) -> list[float]:
    times = []
    for _ in range(n):
        times.append(page.evaluate(harness.TIMED_STEP))
    return times


def play_rates(page, repeats: int, seconds: float) -> tuple[list[tuple[float, float]], list[float]]:
    """(weeks per second, frames drawn per second) of each Play window, from week 0, and the
    seconds each Reset before it took."""
    rates, resets = [], []
    play = page.locator("button.vcs-play")
    for _ in range(repeats):
        resets.append(reset(page))
        page.evaluate(WATCH)
        play.filter(has_text=term("app.play")).click()
        pause = play.filter(has_text=term("app.pause"))
        pause.wait_for(timeout=30_000)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and pause.count():  # the run may end (52 weeks) first
            time.sleep(0.1)
        if pause.count():
            pause.click()
        play.filter(has_text=term("app.play")).wait_for(timeout=30_000)
        weeks, frames, elapsed = page.evaluate(RESULT)
        rates.append((weeks / elapsed, frames / elapsed))
    return rates, resets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/bench_app.py", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--steps", type=int, default=20, help="timed Step clicks (default: %(default)s)")
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed Play windows per scenario (default: %(default)s)"
    )
    parser.add_argument(
        "--play-seconds", type=float, default=5.0, help="length of one Play window (default: %(default)s)"
    )
    args = parser.parse_args(argv)

    print(f"load average (1, 5, 15 min) before: {load()}")
    with (
        tempfile.TemporaryDirectory() as tmp,
        harness.serving(harness.asset_cache(), Path(tmp) / "server.log") as url,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(harness.CHROMIUM), args=harness.CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1700, "height": 1500})
        page.goto(url, timeout=60_000)
        wait_drawn(page, 0)
        step_times(page, 3)  # warm-up
        steps = step_times(page, args.steps)
        print(
            f"nanjing_east Step -> page drawn: median {statistics.median(steps):.0f} ms "
            f"(min {min(steps):.0f}, max {max(steps):.0f}, n={len(steps)}; target < {STEP_TARGET_MS} ms)"
        )
        for scenario in PLAY_TARGET:
            if scenario != "nanjing_east":
                harness.choose(page, term("app.param.scenario"), term(scenario))
            seconds = max(args.play_seconds, PLAY_SECONDS_AT_LEAST.get(scenario, 0.0))
            rates, resets = play_rates(page, args.repeats, seconds)
            weeks = [w for w, _ in rates]
            print(
                f"{scenario} Play: median {statistics.median(weeks):.2f} weeks/s "
                f"({', '.join(f'{w:.2f}' for w in weeks)}; target >= {PLAY_TARGET[scenario]:g}), "
                f"median {statistics.median(f for _, f in rates):.2f} frames drawn/s"
            )
            if scenario != "nanjing_east":
                reset(page)
                steps = step_times(page, 5)
                print(
                    f"{scenario} Step -> page drawn: median {statistics.median(steps):.0f} ms (n=5); "
                    f"Reset -> week 0 drawn: median {statistics.median(resets):.1f} s (n={len(resets)})"
                )
        browser.close()
    print(f"load average (1, 5, 15 min) after: {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
