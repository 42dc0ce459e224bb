"""The study layer (研究层): what calibration (:mod:`sim.calibrate`), scenario discovery
(:mod:`sim.explore`) and policy search (:mod:`sim.policy`) share, so that each keeps only its plan,
run, analysis and report.

- ``schema``: the pieces their config blocks share (factors, samplers, draws); each block is a
  dataclass checked by :func:`sim.config.check_block`, the same tree check and bounds table
  (:data:`sim.config.LIMITS`) as a run's config;
- ``load``: a study's command line, composed (:mod:`sim.compose`) and checked, with the run config
  every evaluation starts from; :class:`load.Kind` declares a kind of study;
- ``directory``: the study's directory, claimed, locked and resumed the same way for every kind;
- ``command``: the one ``main()``, which answers ``--help`` and owns the exit statuses
  (:mod:`sim.exits`);
- ``batch``, ``points``, ``factors``: evaluations run as batches of ordinary sweeps, through any
  Hydra launcher; points of factor values over common seeds; uncertainties and levers.

A new kind of study is one package plus one schema: a dataclass for its block (``configs/KIND/``
holds its configs) with its bounds in ``LIMITS``, and a :class:`load.Kind` naming its four steps;
its ``__main__`` is ``main(KIND)``. docs/ODD.md 11 shows one.
"""
