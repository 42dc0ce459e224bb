"""The waves of a history match (历史匹配的波次): design, run, emulate, cut, until the non-implausible
space stops shrinking; then posterior draws inside it.

Wave 1's design is a Latin hypercube of ``points`` over the whole prior. After wave k, every
statistic's emulators are fitted to the runs so far that lie inside the space the earlier waves left
(wave k emulates only there), the NROY share is estimated on a Latin hypercube sample of the prior
(``sample`` points, the same for every wave, so the shares are exactly nested), and wave k+1's design
is a maximin subset of that sample's non-implausible points (rejection sampling). Where rejection
finds fewer than ``points`` (a small NROY), draws around the points found fill the design
(:func:`sim.history.match.fill`); a wave runs with what is found, and the match stops if that is
fewer than parameters + 2 points.

Stopping: NROY empty (no parameter set matches every target: the model-inadequacy finding, with each
target's own non-implausible share to say which targets cannot be met together); the share shrank
by less than ``shrink`` of itself in the last wave, from wave 2 on (a first wave that cuts little has
emulators too uncertain to cut, which the next wave's points inside the same space sharpen); or
``waves`` waves run.

Posterior: the last sample's NROY points are draws from the prior restricted to NROY; weighted by the
last wave's emulator likelihood (:func:`sim.history.match.likelihood_weights`) they are an
importance sample of the posterior prior x likelihood (the likelihood outside NROY is below
exp(-cutoff^2 / 2) for at least one target, and is taken as 0). ``posterior_draws`` are resampled
from it with a seeded generator.

Every choice is seeded from ``sampler_seed`` and computed from the runs alone, so a rerun proposes
the same designs: a killed match resumes wave by wave, each wave's batches keeping their finished
runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.history.emulator import Emulator
from sim.history.match import (
    Observed,
    Wave,
    effective_sample_size,
    fill,
    implausibility,
    latin_hypercube,
    likelihood_weights,
    maximin,
    non_implausible,
)
from sim.history.schema import HistoryConfig
from sim.study.load import StudyError

Simulate = Callable[[int, np.ndarray], np.ndarray]  # wave, unit points -> runs (points x seeds x targets)
POSTERIOR_STREAM = 2**31 - 1  # the posterior draws' seed, apart from every wave's
SWEEP_NOTE = "each wave's batch tables, wave_NN/SCENARIO/sweep/runs.parquet"


@dataclass
class WaveRecord:
    wave: int
    design: np.ndarray  # unit-cube points run in this wave
    runs: np.ndarray  # points x seeds x targets
    fitted: Wave | None = None  # its emulators
    trained_on: int = 0  # points the emulators were fitted to
    nroy_share: float = float("nan")
    proposed_by_rejection: int = 0  # of this wave's design: points drawn by rejection (the rest filled)
    loo: list[float] = field(default_factory=list)  # leave-one-out run coverage, per target
    validation: list[float] = field(default_factory=list)  # the next wave's run coverage, per target


@dataclass
class Result:
    records: list[WaveRecord]
    stopped: str
    targets_alone: np.ndarray  # per target: share of the last region each target alone leaves
    targets_together: np.ndarray  # per pair of targets: the share the two together leave
    min_implausibility: np.ndarray  # per target: its smallest implausibility over that region
    nroy: np.ndarray  # the last sample's non-implausible points (unit cube)
    weights: np.ndarray  # their posterior weights
    draws: np.ndarray  # resampled posterior draws (unit cube)

    @property
    def ess(self) -> float:
        return effective_sample_size(self.weights) if len(self.weights) else 0.0


def run_waves(
    spec: HistoryConfig,
    targets: Sequence[Observed],
    simulate: Simulate,
    progress: Callable[[str], None] = lambda line: print(line, flush=True),
) -> Result:
    d = len(spec.parameters)
    records: list[WaveRecord] = []
    waves: list[Wave] = []
    design, by_rejection = latin_hypercube(spec.points, d, spec.sampler_seed, 0, improved=True), spec.points
    share_before, stopped = 1.0, ""
    sample = latin_hypercube(spec.sample, d, spec.sampler_seed, 1)
    for k in range(1, spec.waves + 1):
        runs = simulate(k, design)
        record = WaveRecord(k, design, runs, proposed_by_rejection=by_rejection)
        if records:
            last = records[-1]
            last.validation = [
                e.run_coverage(design, runs[:, :, j]) for j, e in enumerate(last.fitted.emulators)
            ]
        x = np.concatenate([w.design for w in [*records, record]])
        y = np.concatenate([w.runs for w in [*records, record]])
        train = non_implausible(waves, targets, x, spec.cutoff, spec.measure) & np.isfinite(y).all(
            axis=(1, 2)
        )
        if train.sum() < d + 2:
            raise StudyError(
                f"wave {k}: {int(train.sum())} points ran at every seed in every scenario, fewer than the "
                f"{d + 2} an emulator of {d} parameters needs (see the failed runs in {SWEEP_NOTE})"
            )
        emulators = [Emulator.fit(x[train], y[train, :, j], spec.sampler_seed) for j in range(len(targets))]
        record.fitted, record.trained_on = Wave(emulators), int(train.sum())
        record.loo = [e.leave_one_out(x[train], y[train, :, j]) for j, e in enumerate(emulators)]
        waves.append(record.fitted)
        inside = non_implausible(waves, targets, sample, spec.cutoff, spec.measure)
        record.nroy_share = float(inside.mean())
        records.append(record)
        progress(
            f"[history] wave {k}: {len(design)} points x {runs.shape[1]} seeds, emulators on "
            f"{record.trained_on} points, NROY share {record.nroy_share:.4g}"
        )
        if not inside.any():
            stopped = f"NROY is empty after wave {k}: no parameter set in the prior matches every target"
            break
        if k > 1 and (share_before - record.nroy_share) / share_before < spec.shrink:
            stopped = (
                f"wave {k} shrank the NROY share by less than {spec.shrink:g} of itself "
                f"({share_before:.4g} -> {record.nroy_share:.4g})"
            )
            break
        if k == spec.waves:
            stopped = f"ran all {spec.waves} waves"
            break
        pool = sample[inside]
        by_rejection = min(len(pool), spec.points)
        if len(pool) < spec.points:
            pool = fill(
                pool,
                spec.points,
                lambda z: non_implausible(waves, targets, z, spec.cutoff, spec.measure),
                spec.sampler_seed,
                k,
            )
        if len(pool) < d + 2:
            stopped = f"NROY after wave {k} is too small to design another wave ({len(pool)} points found)"
            break
        design, share_before = maximin(pool, spec.points), record.nroy_share
    region = sample[non_implausible(waves[:-1], targets, sample, spec.cutoff, spec.measure)]
    together, least = _each_target(records[-1].fitted, targets, region, spec.cutoff)
    nroy = sample[inside]
    weights = likelihood_weights(records[-1].fitted, targets, nroy) if len(nroy) else np.empty(0)
    rng = np.random.default_rng([spec.sampler_seed, POSTERIOR_STREAM])
    draws = nroy[rng.choice(len(nroy), size=spec.posterior_draws, p=weights)] if len(nroy) else nroy
    return Result(records, stopped, np.diag(together), together, least, nroy, weights, draws)


def _each_target(
    wave: Wave, targets: Sequence[Observed], region: np.ndarray, cutoff: float
) -> tuple[np.ndarray, np.ndarray]:
    """Over the space the last wave emulates: for each pair of targets the share where both are not
    implausible (a target alone on the diagonal), and each target's smallest implausibility; which
    targets cannot be met, alone or together, and by how much."""
    k = len(targets)
    if not len(region):
        return np.full((k, k), np.nan), np.full(k, np.nan)
    each = implausibility(wave, targets, region)
    met = (each <= cutoff).astype(float)
    return met.T @ met / len(region), each.min(axis=0)
