"""The command line: train outputs, summary, evaluate, predict, exit codes, one-line errors."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from kerasgui.cli import main
from tests.conftest import EXAMPLES, ROOT

TWO_CLASS = EXAMPLES / "two_class" / "two_class.kgproj"
PENGUINS = EXAMPLES / "penguins" / "penguins.kgproj"


def run_cli(*args, timeout=300):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "kerasgui", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


def test_train_two_class_writes_everything(tmp_path):
    r = run_cli("train", TWO_CLASS, "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Epoch 5/5" in r.stdout and "val_binary_accuracy" in r.stdout
    for name in ("model.keras", "history.json", "run.json"):
        assert (tmp_path / name).is_file()
    history = json.loads((tmp_path / "history.json").read_text())
    assert len(history["loss"]) == 5 and history["val_binary_accuracy"][-1] > 0.9
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["epochs_done"] == 5 and run["seed"] == 1 and not run["stopped_early"]
    assert run["versions"]["keras"] and run["project"]["name"] == "two-class demo"


def test_penguins_train_evaluate_predict_with_class_names(tmp_path):
    assert main(["train", str(PENGUINS), "--out", str(tmp_path), "--epochs", "8"]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    r = run_cli("evaluate", tmp_path / "model.keras", EXAMPLES / "penguins" / "penguins_test.csv")
    assert r.returncode == 0, r.stderr
    printed = json.loads(r.stdout.strip().splitlines()[-1])
    assert printed == pytest.approx(metrics, abs=1e-6)
    out = tmp_path / "new.csv"
    r = run_cli(
        "predict",
        tmp_path / "model.keras",
        EXAMPLES / "penguins" / "penguins_new.csv",
        "--out",
        out,
    )
    assert r.returncode == 0, r.stderr
    lines = out.read_text().splitlines()
    assert lines[0].startswith("predicted,probability,p(Adelie)")
    assert len(lines) == 13
    assert {line.split(",")[0] for line in lines[1:]} <= {"Adelie", "Chinstrap", "Gentoo"}
    npy = tmp_path / "new.npy"
    assert (
        main(
            [
                "predict",
                str(tmp_path / "model.keras"),
                str(EXAMPLES / "penguins" / "penguins_new.csv"),
                "--out",
                str(npy),
            ]
        )
        == 0
    )
    assert np.load(npy).shape == (12, 3)


def test_summary_prints_counts(capsys):
    assert main(["summary", str(EXAMPLES / "two_class" / "first_stack.kgproj")]) == 0
    out = capsys.readouterr().out
    assert "(None, 32)" in out and "1,185" in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["train", "nope.kgproj"], "no such project file"),
        (["summary", "{bad}"], "layers[1]"),
        (["evaluate", "model.h5", "x.csv"], ".h5"),
        (["predict", "{model}", "x.csv", "--out", "p.txt"], ".csv or .npy"),
    ],
)
def test_user_errors_are_one_line_exit_2(tmp_path, capsys, args, words):
    bad = tmp_path / "bad.kgproj"
    d = json.loads(TWO_CLASS.read_text())
    d["model"]["layers"].append(
        {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": 3}}
    )
    d["data"]["train"]["path"] = str(EXAMPLES / "two_class" / "two_class.csv")
    bad.write_text(json.dumps(d))
    args = [a.format(bad=bad, model=tmp_path / "m.keras") for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and words in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("sig", "reason"), [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "Ctrl-C")]
)
def test_signal_saves_the_run_and_exits_130(tmp_path, sig, reason):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1"}
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kerasgui",
            "train",
            str(TWO_CLASS),
            "--out",
            str(tmp_path),
            "--epochs",
            "400",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    deadline = time.time() + 120
    for line in p.stdout:
        if "Epoch 3/" in line or time.time() > deadline:
            break
    p.send_signal(sig)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    history = json.loads((tmp_path / "history.json").read_text())
    assert 2 <= len(history["loss"]) < 400
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["stopped_early"] and reason in run["stop_reason"] and run["status"] == "stopped"
    assert (tmp_path / "model.keras").is_file()


def test_bug_exit_1_writes_a_log(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERASGUI_LOG_DIR", str(tmp_path))
    import kerasgui.cli as cli

    def boom(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "cmd_summary", boom)
    assert main(["summary", "x"]) == 1
    assert list(Path(tmp_path).glob("crash-*.log"))
    assert "internal error" in capsys.readouterr().err
