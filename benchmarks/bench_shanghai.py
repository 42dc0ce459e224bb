"""The Shanghai preset (6.3 million people): whole-process time and peak memory against issue 19's
targets, where the time goes, and sim.limits' estimate beside each measured figure.

Every point is a fresh process pinned to one core (taskset; the targets are for one core):
- `python -m sim scenario=shanghai steps=52`, whole process, median of --repeats (targets <= 60 s,
  <= 8 GB peak resident memory), and huangpu (1.09 M people) the same way as the reference measured
  in the same run;
- the same at 520 weeks, once (targets <= 10 min, <= 8 GB);
- the model alone (as scaling.py does), build and stepping apart, each with its CPU time split into
  user and system time (system time is mostly page faults: the kernel mapping in fresh memory),
  as run and with glibc's mmap off (HEAP_ONLY), which shows what fresh pages cost;
- with --profile, py-spy samples a model-only run and the table gives each phase's share by the
  rule (the method under VerticalCommunityModel.step) and by the package function at the top of
  the stack (numpy's own frames are charged to their caller).

    python benchmarks/bench_shanghai.py [--repeats 3] [--skip-520] [--profile] [--profile-weeks 10]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sim import limits
from sim.validate import compose

REPO = Path(__file__).resolve().parent.parent
TARGETS = {52: (60.0, 8.0), 520: (600.0, 8.0)}  # seconds, GB (issue 19)
# The model alone is also run with glibc serving every allocation from its heap and keeping what is
# freed, so no array is mapped afresh: what is left of the system time then is not fresh pages'.
HEAP_ONLY = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(2**40)}
GB = 1024**3
CHILD = """
import json, resource, sys, time
def usage():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), r.ru_utime, r.ru_stime
t0 = usage()
from sim import VerticalCommunityModel
model = VerticalCommunityModel(sys.argv[1], rng=0, agent_views="none")
t1 = usage()
model.run(int(sys.argv[2]))
t2 = usage()
phase = lambda a, b: {"wall_s": b[0] - a[0], "user_s": b[1] - a[1], "sys_s": b[2] - a[2]}
print(json.dumps({"build": phase(t0, t1), "step": phase(t1, t2),
                  "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}))
"""


def pinned(args: list[str]) -> list[str]:
    return ["taskset", "-c", "0", sys.executable, *args]


def whole_process(scenario: str, steps: int) -> dict:
    """Wall time, CPU time and peak resident memory of one `python -m sim` run."""
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "stderr", "w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            pinned(["-m", "sim", f"scenario={scenario}", f"steps={steps}", f"hydra.run.dir={tmp}/run"]),
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        # wait4 gives this child's own peak memory (RUSAGE_CHILDREN would be the largest child's so far)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            raise RuntimeError(f"{scenario} steps={steps} failed: {err.read()[-2000:]}")
    return {
        "wall_s": wall,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "peak_rss_gb": usage.ru_maxrss * 1024 / GB,
    }


def model_alone(scenario: str, steps: int, env: dict[str, str]) -> dict:
    out = subprocess.run(
        pinned(["-c", CHILD, scenario, str(steps)]),
        cwd=REPO,
        check=True,
        capture_output=True,
        env={**os.environ, **env},
    )
    return json.loads(out.stdout)


def estimate(scenario: str, steps: int) -> tuple[float, float]:
    """sim.limits' estimate: (seconds, GB)."""
    run = compose([f"scenario={scenario}", f"steps={steps}"])
    c = limits.counts(run)
    return limits.estimate_hours(run, c) * 3600, limits.estimate_memory_gb(run, c)


def median_of(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def verdict(value: float, target: float) -> str:
    return "ok" if value <= target else "MISSED"


def profile(scenario: str, weeks: int) -> None:
    """py-spy samples of a model-only run, by phase (build, step), rule and package function."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "samples.txt"
        spy = Path(sys.executable).with_name("py-spy")  # the bench extra's, next to this interpreter
        record = [str(spy if spy.exists() else "py-spy"), "record", "-r", "100", "-f", "raw", "-o", str(raw)]
        # py-spy runs under taskset, so the child it starts inherits the one core
        cmd = ["taskset", "-c", "0", *record, "--", sys.executable, "-c", CHILD, scenario, str(weeks)]
        subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)
        lines = raw.read_text().splitlines()
    phases: dict[str, collections.Counter] = {"build": collections.Counter(), "step": collections.Counter()}
    rules: collections.Counter = collections.Counter()
    total = collections.Counter()
    frame = re.compile(r"(?P<func>.*) \((?P<file>.*):\d+\)$")
    for line in lines:
        stack, _, count = line.rpartition(" ")
        frames = [frame.match(f) for f in stack.split(";")]
        frames = [(m["func"], m["file"]) for m in frames if m]
        funcs = [f for f, _ in frames]
        if "VerticalCommunityModel.__init__" in funcs:
            phase = "build"
        elif "VerticalCommunityModel.step" in funcs:
            phase = "step"
            # apply(rule) dispatches to the rule's method: charge the rule
            below = [
                f
                for f in funcs[funcs.index("VerticalCommunityModel.step") + 1 :]
                if f != "VerticalCommunityModel.apply"
            ]
            rules[below[0] if below else "step (own)"] += int(count)
        else:
            continue
        total[phase] += int(count)
        # py-spy names a file by its path below sys.path: the package's own are sim/...
        func, file = [(f, file) for f, file in frames if file.startswith("sim/")][-1]
        phases[phase][f"{func} ({file})"] += int(count)
    grand = sum(total.values())
    print(f"\nprofile of {scenario}, build and {weeks} weeks (py-spy, {grand:,} samples at 100 Hz):")
    for phase, counter in phases.items():
        print(f"  {phase}: {100 * total[phase] / grand:.0f}% of the samples; by innermost package function:")
        for name, n in counter.most_common(12):
            print(f"    {100 * n / total[phase]:5.1f}%  {name}")
    print("  step, by rule (the call under VerticalCommunityModel.step):")
    for name, n in rules.most_common(12):
        print(f"    {100 * n / total['step']:5.1f}%  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-520", action="store_true", help="leave out the 520-week run (~15 min)")
    parser.add_argument("--profile", action="store_true", help="also profile a model-only run with py-spy")
    parser.add_argument("--profile-weeks", type=int, default=10)
    args = parser.parse_args()
    print(f"load average (1, 5, 15 min) before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    runs: dict[tuple[str, int], list[dict]] = collections.defaultdict(list)
    alone: dict[str, list[dict]] = {"as run": [], "heap only (" + " ".join(HEAP_ONLY) + ")": []}
    for _ in range(args.repeats):  # interleaved, so each sees the same machine load
        runs["huangpu", 52].append(whole_process("huangpu", 52))
        runs["shanghai", 52].append(whole_process("shanghai", 52))
        for variant, env in zip(alone, ({}, HEAP_ONLY)):
            alone[variant].append(model_alone("shanghai", 52, env))
    if not args.skip_520:
        runs["shanghai", 520].append(whole_process("shanghai", 520))

    print("\nwhole process (`python -m sim scenario=... steps=...`), one core, medians of the runs:")
    head = f"  {'run':<16} {'n':>2} {'wall s':>8} {'user s':>8} {'sys s':>8} {'peak GB':>8}   "
    print(head + f"{'target':<40}  sim.limits' estimate")
    for (scenario, steps), rows in runs.items():
        wall, rss = median_of(rows, "wall_s"), median_of(rows, "peak_rss_gb")
        est_s, est_gb = estimate(scenario, steps)
        target = ""
        if scenario == "shanghai":
            t_s, t_gb = TARGETS[steps]
            target = f"<= {t_s:g} s {verdict(wall, t_s)}, <= {t_gb:g} GB {verdict(rss, t_gb)}"
        cpu = f"{median_of(rows, 'user_s'):>8.1f} {median_of(rows, 'sys_s'):>8.1f}"
        print(
            f"  {scenario + ' ' + str(steps):<16} {len(rows):>2} {wall:>8.1f} {cpu} {rss:>8.2f}   "
            f"{target:<40}  {est_s:.0f} s, {est_gb:.2f} GB"
        )

    one, two = (estimate("shanghai", steps)[0] for steps in (1, 2))
    print(f"\nshanghai, model alone (build, then 52 weeks), medians of {args.repeats}:")
    for variant, rows in alone.items():
        print(f"  {variant}:")
        for phase in ("build", "step"):
            wall, user, system = (
                statistics.median(a[phase][k] for a in rows) for k in ("wall_s", "user_s", "sys_s")
            )
            cpu = (user + system) / 52
            per = f"; a week: {wall / 52:.2f} s wall, {cpu:.2f} s CPU, estimate {two - one:.2f} s"
            print(
                f"    {phase:<5} {wall:7.1f} s wall, {user:7.1f} s user, {system:7.1f} s system"
                + (per if phase == "step" else "")
            )
        print(f"    peak resident memory {statistics.median(a['peak_rss_gb'] for a in rows):.2f} GB")
    if args.profile:
        profile("shanghai", args.profile_weeks)
    print(f"\nload average (1, 5, 15 min) after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
