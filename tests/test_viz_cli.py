"""``python -m sim.viz``: the solara command line it builds and the environment it sets."""

from __future__ import annotations

import pytest

from sim.viz import __main__ as cli
from sim.viz.offline_assets import DEFAULT_CACHE_DIR


@pytest.fixture
def solara_argv(monkeypatch):
    """Run ``python -m sim.viz ARGS`` up to the point it hands over to solara's command line."""
    import solara.__main__

    captured = []
    monkeypatch.setattr(solara.__main__.cli, "main", lambda args, prog_name: captured.append(args))
    monkeypatch.setattr(cli, "offline_env", lambda environ: None)

    def run(*argv):
        cli.main(list(argv))
        return captured[-1]

    return run


def test_serves_the_app_on_localhost_offline_by_default(solara_argv):
    args = solara_argv()
    assert args[:2] == ["run", str(cli.APP)]
    assert args[args.index("--host") + 1] == "127.0.0.1" and args[args.index("--port") + 1] == "8765"
    assert {"--no-check-version", "--no-open", "--production"} <= set(args)


def test_host_port_and_development_options(solara_argv):
    args = solara_argv("--host", "0.0.0.0", "--port", "9000", "--open", "--auto-restart")
    assert args[args.index("--host") + 1] == "0.0.0.0" and args[args.index("--port") + 1] == "9000"
    assert {"--open", "--auto-restart"} <= set(args) and "--production" not in args


def test_points_solara_at_the_filled_cache_only_if_unset(monkeypatch, tmp_path):
    monkeypatch.setattr(cli, "DEFAULT_CACHE_DIR", tmp_path)
    env = {}
    cli.offline_env(env)
    assert env == {
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(tmp_path),
        "SOLARA_ASSETS_PROXY": "true",
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    }
    mine = {"SOLARA_ASSETS_PROXY_CACHE_DIR": "/elsewhere"}
    cli.offline_env(mine)
    assert mine["SOLARA_ASSETS_PROXY_CACHE_DIR"] == "/elsewhere" and "SOLARA_ASSETS_PROXY" not in mine


def test_leaves_the_cache_setting_alone_when_there_is_no_cache(monkeypatch, tmp_path):
    monkeypatch.setattr(cli, "DEFAULT_CACHE_DIR", tmp_path / "missing")
    env = {}
    cli.offline_env(env)
    assert "SOLARA_ASSETS_PROXY_CACHE_DIR" not in env


def test_the_default_cache_is_the_one_offline_assets_fills():
    assert cli.DEFAULT_CACHE_DIR == DEFAULT_CACHE_DIR


@pytest.mark.parametrize(
    "host, warned",
    [
        ("127.0.0.1", False),
        ("127.8.0.1", False),
        ("localhost", False),
        ("LOCALHOST", False),
        ("::1", False),
        ("[::1]", False),
        ("0.0.0.0", True),
        ("::", True),
        ("192.168.1.20", True),
        ("example.org", True),
        ("", True),
    ],
)
def test_warns_that_a_non_loopback_host_is_open_to_anyone(solara_argv, capsys, host, warned):
    solara_argv("--host", host, "--port", "9000")
    err = capsys.readouterr().err
    if warned:
        assert err.count("\n") == 1 and err.startswith("warning: --host") and "no authentication" in err
        assert "port 9000" in err
    else:
        assert err == ""
