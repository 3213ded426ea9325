"""Property tests: arbitrary JSON or bytes give a Project or a ProjectError, nothing else."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kerasgui.core.errors import ProjectError
from kerasgui.core.project import Project

SETTINGS = settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = [
    "kerasgui_project",
    "name",
    "model",
    "compile",
    "data",
    "fit",
    "layers",
    "class_name",
    "config",
    "optimizer",
    "loss",
    "metrics",
    "train",
    "validation",
    "test",
    "split",
    "shuffle",
    "path",
    "targets",
    "features",
    "inputs",
    "epochs",
    "batch_size",
    "seed",
    "callbacks",
    "python",
    "delimiter",
    "header",
    "distribution",
]
# Objects built from the format's own keys reach far deeper into the validator than random text.
shaped = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=10,
)


def check(d):
    try:
        p = Project.from_dict(d)
    except ProjectError as e:
        assert e.message
        return
    assert isinstance(p, Project)
    json.dumps(p.to_dict())


@SETTINGS
@given(json_values)
def test_arbitrary_json(d):
    check(d)


@SETTINGS
@given(
    st.fixed_dictionaries(
        {"kerasgui_project": st.just(1), "model": shaped},
        optional={"compile": shaped, "data": shaped, "fit": shaped, "name": shaped},
    )
)
def test_project_shaped_json(d):
    check(d)


@SETTINGS
@given(st.binary(max_size=200))
def test_arbitrary_bytes(tmp_path_factory, data):
    path = tmp_path_factory.getbasetemp() / "fuzz.kgproj"
    path.write_bytes(data)
    try:
        Project.load(path)
    except ProjectError as e:
        assert e.message
