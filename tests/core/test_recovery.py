"""Nothing is lost: autosave beside the project, and a training process killed with SIGKILL resumes
from its last checkpoint epoch."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

from kerasgui.core.project import Project
from kerasgui.core.recovery import (
    discard_autosave,
    load_autosave,
    newer_autosave,
    unfinished_runs,
    write_autosave,
)
from tests.conftest import EXAMPLES, ROOT


def copy_two_class(tmp_path):
    for f in ("two_class.kgproj", "two_class.csv"):
        shutil.copy(EXAMPLES / "two_class" / f, tmp_path / f)
    return tmp_path / "two_class.kgproj"


def test_autosave_beside_the_project(tmp_path):
    path = copy_two_class(tmp_path)
    project = Project.load(path)
    assert newer_autosave(path) is None
    project.name = "edited"
    auto = write_autosave(project)
    assert auto.parent == tmp_path and auto.name.startswith(".")
    found = newer_autosave(path)
    assert found == auto
    recovered = load_autosave(found, path)
    assert recovered.name == "edited" and recovered.path == path.resolve()
    assert recovered.resolve(recovered.data["train"]["path"]).is_file()
    discard_autosave(project)
    assert newer_autosave(path) is None


def test_untitled_autosave_goes_to_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("KERASGUI_DATA_DIR", str(tmp_path / "data"))
    assert write_autosave(Project()).is_relative_to(tmp_path / "data")


def test_sigkill_mid_training_then_resume(tmp_path):
    path = copy_two_class(tmp_path)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "kerasgui", "train", str(path), "--epochs", "300"]
    p = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT
    )
    deadline = time.time() + 180
    history_file = None
    while time.time() < deadline:
        runs = list((tmp_path / "runs").glob("two_class-*/history.json"))
        if runs:
            history_file = runs[0]
            try:
                if len(json.loads(history_file.read_text())["loss"]) >= 4:
                    break
            except (ValueError, KeyError):
                pass
        time.sleep(0.1)
    p.send_signal(signal.SIGKILL)
    p.wait(30)
    assert history_file is not None
    run_dir = history_file.parent
    assert json.loads((run_dir / "run.json").read_text())["status"] == "running"

    runs = unfinished_runs(Project.load(path))
    assert [r.folder for r in runs] == [run_dir]
    done = runs[0].epochs_done
    assert done >= 3
    kept = json.loads(history_file.read_text())

    r = subprocess.run(
        [*cmd[:-2], "--resume", "--epochs", str(done + 2)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert f"resuming from the checkpoint after epoch {done}" in r.stderr
    assert f"Epoch {done + 1}/{done + 2}" in r.stdout
    history = json.loads(history_file.read_text())
    assert len(history["loss"]) == done + 2
    assert history["loss"][:done] == kept["loss"][:done]
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "finished" and run["epochs_done"] == done + 2
    assert unfinished_runs(Project.load(path)) == []
