"""The project-file part of the bad-input corpus: each file gives a UserError naming the problem in
the core, and exit code 2 with one `error:` line on the command line."""

from pathlib import Path

import pytest

from kerasgui.cli import main
from kerasgui.core.errors import UserError
from kerasgui.core.project import Project
from kerasgui.core.training import Session

BAD = Path(__file__).resolve().parent.parent / "data" / "bad" / "projects"

CASES = {
    "broken_json.kgproj": "broken JSON at line 2",
    "not_json_at_all.kgproj": "broken JSON at line 1",
    "unknown_key.kgproj": "fit has unknown key 'learning_rate'",
    "wrong_type.kgproj": "fit.epochs must be a whole number",
    "future_format.kgproj": "newer kerasgui",
    "unknown_layer.kgproj": "model.layers[1] (Dens): Unknown layer class 'Dens'",
    "stack_does_not_fit.kgproj": "model.layers[1] (Conv2D) does not fit its input (None, 4)",
    "labels_do_not_fit_loss.kgproj": "targets have 3 classes: set its units to 3",
    "missing_data_file.kgproj": "no_such_file.csv",
    "unknown_loss.kgproj": "no loss called 'mean_squared_eror'",
}


def test_every_corpus_file_has_a_case():
    assert sorted(p.name for p in BAD.glob("*.kgproj")) == sorted(CASES)


@pytest.mark.parametrize(("name", "words"), sorted(CASES.items()))
def test_core_raises_a_user_error(name, words):
    with pytest.raises(UserError) as e:
        Session(Project.load(BAD / name)).prepare()
    assert words in e.value.message


@pytest.mark.parametrize(("name", "words"), sorted(CASES.items()))
def test_command_line_exit_2_one_line(name, words, capsys, tmp_path):
    assert main(["train", str(BAD / name), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert words in err and "Traceback" not in err
