"""The cluster recipes of docs/clusters.md, run as written against real clusters on this machine.

Ray: a head and a second node, each started with ``ray start --block`` in its own process group and
stopped through it, on a loopback address of their own (127.x.y.z: the nodes talk over loopback
only, and never to another Ray on this machine) with a token of the test's own (Ray's gRPC servers
listen on every interface, so the token is what keeps others out). The sweep connects with
``address=auto`` (found through RAY_ADDRESS, as on a cluster node) and with Ray Client
(``ray://HOST:PORT``, as from outside), from another directory than the nodes', with a relative
``hydra.sweep.dir``, and must give the serial run's tables. SLURM: the documented command runs through
the submitit launcher against stand-ins for sbatch, srun and sacct that run the array job here; SLURM's
scheduling itself (queues, limits, requeue on node failure) is untested (no SLURM on this machine).
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_sweep import GRID, REPO, tables

pytestmark = pytest.mark.slow
RAY = [sys.executable, "-m", "ray.scripts.scripts"]


def free_ports(host: str, n: int) -> list[int]:
    """``n`` distinct ports free on ``host`` (all held open until all are found)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind((host, 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


NODE_PORTS = (
    "node-manager-port",
    "object-manager-port",
    "dashboard-agent-listen-port",
    "dashboard-agent-grpc-port",
    "metrics-export-port",
    "runtime-env-agent-port",
)


class LocalRayCluster:
    def __init__(self, root: Path) -> None:
        # any 127.x.y.z is loopback; Ray rewrites only 127.0.0.1 and localhost to the public address
        self.host = f"127.{random.randint(1, 254)}.{random.randint(0, 254)}.{random.randint(2, 254)}"
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN": secrets.token_hex(32),
            "RAY_USAGE_STATS_ENABLED": "0",
        }
        gcs, self.client_port, *self.ports = free_ports(self.host, 2 + 2 * len(NODE_PORTS))
        self.gcs = f"{self.host}:{gcs}"
        self.root = root
        # Ray's own files, and its note of the last cluster started (which `address=auto` and a later
        # local `ray.init()` would otherwise find after the test), kept out of /tmp/ray; short, since
        # Ray's socket paths must fit in 107 characters
        self.temp_dir = tempfile.mkdtemp(prefix="ray")
        self.nodes: list[subprocess.Popen] = []

    def start_node(self, *args: str) -> None:
        ports = self.ports[len(self.nodes) * len(NODE_PORTS) :][: len(NODE_PORTS)]
        args = (*args, *(f"--{name}={port}" for name, port in zip(NODE_PORTS, ports)))
        log = open(self.root / f"node{len(self.nodes)}.log", "w")  # noqa: SIM115 (closed with the process)
        self.nodes.append(
            subprocess.Popen(
                [*RAY, "start", "--block", f"--node-ip-address={self.host}", "--num-cpus=1", *args],
                cwd=self.root,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, which stop() ends
            )
        )

    def alive_nodes(self) -> int:
        out = subprocess.run(
            [*RAY, "status", f"--address={self.gcs}"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return out.stdout.count(" node_") if out.returncode == 0 else 0

    def wait_for(self, nodes: int, timeout: float = 180) -> None:
        deadline = time.time() + timeout
        while self.alive_nodes() < nodes:
            if time.time() > deadline or any(p.poll() is not None for p in self.nodes):
                logs = "\n".join(p.read_text()[-2000:] for p in sorted(self.root.glob("node*.log")))
                pytest.fail(f"the Ray cluster did not come up with {nodes} nodes:\n{logs}")
            time.sleep(1)

    def start(self) -> None:
        port = self.gcs.split(":")[1]
        self.start_node(
            "--head",
            f"--temp-dir={self.temp_dir}",
            f"--port={port}",
            "--include-dashboard=false",
            f"--ray-client-server-port={self.client_port}",
        )
        self.wait_for(1)
        self.start_node(f"--address={self.gcs}")
        self.wait_for(2)
        self.wait_for_client_server()

    def wait_for_client_server(self, timeout: float = 120) -> None:
        # the head starts its Ray Client server after the node is up: a ray:// connection made
        # before it listens fails, which is a property of the test's start-up, not of the recipe
        deadline = time.time() + timeout
        while True:
            with contextlib.suppress(OSError), socket.create_connection((self.host, self.client_port), 1):
                return
            if time.time() > deadline:
                pytest.fail(f"Ray Client server not listening on {self.host}:{self.client_port}")
            time.sleep(0.5)

    def client_server_logs(self) -> str:
        """The tails of the logs of the servers Ray starts for each Ray Client connection (Ray's own
        error names the file, which is gone once the cluster stops)."""
        logs = sorted(Path(self.temp_dir).glob("session_*/logs/ray_client_server*"))
        return "".join(f"\n--- {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in logs)

    def stop(self) -> None:
        for proc in reversed(self.nodes):
            _signal_group(proc, signal.SIGTERM)
        for proc in reversed(self.nodes):
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
            _signal_group(proc, signal.SIGKILL)  # what SIGTERM left of the group (raylet, workers)
            proc.wait()
        shutil.rmtree(self.temp_dir, ignore_errors=True)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory):
    cluster = LocalRayCluster(tmp_path_factory.mktemp("ray_nodes"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def sweep_from(cwd: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    """`python -m sim -m GRID ARGS` as a user types it in ``cwd``, with a relative sweep directory (an
    argument of one of GRID's keys replaces GRID's)."""
    given = {a.split("=")[0]: a for a in args}
    grid = [given.pop(a.split("=")[0], a) for a in GRID]  # in GRID's order, which orders the columns
    return subprocess.run(
        [sys.executable, "-m", "sim", "-m", *grid, *given.values(), "hydra.sweep.dir=sweep"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


RAY_CLIENT_OPT_IN = "SIM_TEST_RAY_CLIENT"


@pytest.mark.parametrize(
    "connect",
    [
        "auto",
        # Ray Client passed in every run by hand, but in a loaded clean-clone CI run Ray's own
        # per-connection server failed to start ("Starting Ray client server failed", port 23000):
        # opt-in until that is understood (issue 12), so that it cannot fail CI by chance
        pytest.param(
            "client",
            marks=pytest.mark.skipif(
                not os.environ.get(RAY_CLIENT_OPT_IN), reason=f"Ray Client: set {RAY_CLIENT_OPT_IN}=1"
            ),
        ),
    ],
)
def test_a_sweep_on_a_running_ray_cluster_gives_the_serial_tables(ray_cluster, serial, tmp_path, connect):
    """The documented recipe, word for word: hydra/launcher=ray with address=auto (RAY_ADDRESS names
    the cluster, as `ray start` does for the node it runs on) or ray://HOST:PORT."""
    if connect == "auto":
        env = {**ray_cluster.env, "RAY_ADDRESS": ray_cluster.gcs}
        address = "auto"
    else:
        env = {k: v for k, v in ray_cluster.env.items() if k != "RAY_ADDRESS"}
        address = f"ray://{ray_cluster.host}:{ray_cluster.client_port}"
    result = sweep_from(
        tmp_path,
        env,
        "hydra/launcher=ray",
        f"hydra.launcher.ray.init.address={address}",
        "hydra.launcher.ray.init._node_ip_address=null",
    )
    assert result.returncode == 0, result.stderr[-3000:] + ray_cluster.client_server_logs()
    assert ray_cluster.alive_nodes() == 2  # both nodes were there for the whole sweep
    for ours, theirs in zip(tables(tmp_path / "sweep"), tables(serial)):
        pd.testing.assert_frame_equal(ours, theirs)


FAKE_SBATCH = r"""#!/usr/bin/env python3
# sbatch as submitit calls it: keep the script, answer with a job id and return; then run each task of
# the array once submitit has moved its pickled job to the name that id gives it
import glob, os, re, shutil, subprocess, sys, time
script = sys.argv[-1]
text = open(script).read()
shutil.copy(script, os.environ["FAKE_SLURM_LOG"])
first, last = map(int, re.search(r"#SBATCH --array=(\d+)-(\d+)", text).groups())
folder = re.search(r"submitit.core._submit (\S+)", text).group(1)
print("Submitted batch job 4242", flush=True)
if os.fork() == 0:
    os.setsid()
    log = os.open(os.environ["FAKE_SLURM_LOG"] + ".out", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(log, 1), os.dup2(log, 2)  # let go of submitit's pipe, which it reads to the end
    for task in range(first, last + 1):
        job = f"4242_{task}"
        deadline = time.time() + 120
        pickles = os.path.join(folder.replace("%j", job), "*_submitted.pkl")
        while not glob.glob(pickles) and time.time() < deadline:
            time.sleep(0.2)
        env = {**os.environ, "SLURM_ARRAY_JOB_ID": "4242", "SLURM_ARRAY_TASK_ID": str(task),
               "SLURM_JOB_ID": str(5000 + task), "SLURM_NTASKS": "1", "SLURM_JOB_NUM_NODES": "1",
               "SLURM_NODEID": "0", "SLURM_JOB_NODELIST": "localhost", "SLURM_PROCID": "0",
               "SLURM_LOCALID": "0"}
        subprocess.run(["bash", script], env=env)
    os._exit(0)
"""
FAKE_SRUN = r"""#!/usr/bin/env python3
# srun: drop its options, run the command
import os, sys
args = sys.argv[1:]
while args and args[0].startswith("-"):
    args = args[2:] if args[0] in ("--output", "--error", "-o", "-e") else args[1:]
os.execvp(args[0], args)
"""
FAKE_SACCT = "#!/bin/sh\necho 'JobID|State|NodeList'\n"


def test_the_slurm_recipe_runs_through_sbatch_and_srun(serial, tmp_path):
    """The documented SLURM command, word for word, against stand-ins for sbatch, srun and sacct that
    run the array job's tasks on this machine: the sbatch script submitit writes from our config, its
    srun line and the job environment are the real ones; the scheduler is not."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in [("sbatch", FAKE_SBATCH), ("srun", FAKE_SRUN), ("sacct", FAKE_SACCT)]:
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    script = tmp_path / "sbatch_script.sh"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "FAKE_SLURM_LOG": str(script)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    result = sweep_from(
        tmp_path,
        env,
        "sinking=need",
        "hydra/launcher=submitit_slurm",
        "hydra.launcher.partition=debug",
        "hydra.launcher.timeout_min=30",
        "hydra.launcher.cpus_per_task=1",
        "hydra.launcher.mem_gb=2",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    text = script.read_text()
    for line in ["--partition=debug", "--time=30", "--cpus-per-task=1", "--mem=2GB", "--array=0-3%4"]:
        assert f"#SBATCH {line}" in text
    assert "srun" in text and "submitit.core._submit" in text
    for ours, theirs in zip(tables(tmp_path / "sweep"), tables(serial)):
        theirs = theirs[theirs["sinking"] == "need"].reset_index(drop=True)
        pd.testing.assert_frame_equal(ours, theirs)


RAY_RECIPE = [
    "hydra/launcher=ray",
    "hydra.launcher.ray.init.address=auto",
    "hydra.launcher.ray.init._node_ip_address=null",
]
STUDIES = {  # module: its arguments (reduced to seconds), the key of its output directory, its result
    "explore": (
        ["+exploration=demo", "exploration.sampler.n=4", "exploration.seeds=[0]", "steps=4"],
        "exploration.dir",
        "points.parquet",
    ),
    "calibrate": (
        [
            "+calibration=shanghai_buildings",
            "calibration.population=6",
            "calibration.batch=8",
            "calibration.generations=1",
            "calibration.posterior_draws=4",
            "steps=30",
        ],
        "calibration.output",
        "posterior.parquet",
    ),
}


# wide tolerances: this test compares Ray with the basic launcher, so every generation must accept
SMALL_TARGETS = [
    {"statistic": s, "scenario": "small", "value": v, "tolerance": t, "source": "a test's own figure"}
    for s, v, t in (("late_org_coverage", 0.9, 0.2), ("late_participation_rate", 0.1, 0.1))
]


LAUNCHERS = {
    "ray": "hydra_plugins.sim_launcher.ray_launcher.RayLauncher",
    "serial": "hydra_plugins.sim_launcher.basic_launcher.BasicLauncher",
}


@pytest.mark.parametrize("module", STUDIES)
def test_a_study_runs_on_the_ray_cluster_as_on_one_machine(ray_cluster, tmp_path, module):
    """A scenario discovery and a calibration, moved to the cluster by the documented Ray recipe and no
    other change (their evaluations are sweeps), give what they give with the basic launcher."""
    args, out_key, result = STUDIES[module]
    if module == "calibrate":  # the shipped targets' scenario (nanjing_east) is built for every run
        targets = tmp_path / "targets.yaml"
        targets.write_text(yaml.safe_dump({"targets": SMALL_TARGETS}))
        args = [*args, f"calibration.targets={targets}", "governance=brand"]  # small has no article mode
    env = {**ray_cluster.env, "RAY_ADDRESS": ray_cluster.gcs}
    results = {}
    for where, launcher in (("ray", RAY_RECIPE), ("serial", ["hydra/launcher=basic"])):
        out = tmp_path / where
        done = subprocess.run(
            [sys.executable, "-m", f"sim.{module}", *args, f"{out_key}={out}", *launcher],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        results[where] = pd.read_parquet(out / result)
        snapshots = list(out.rglob(".hydra/hydra.yaml"))
        used = {yaml.safe_load(p.read_text())["hydra"]["launcher"]["_target_"] for p in snapshots}
        assert snapshots and used == {LAUNCHERS[where]}
    assert len(results["ray"]) > 0
    pd.testing.assert_frame_equal(results["ray"], results["serial"])
