import pytest

from curation.cli import main
from curation.config import ConfigError, apply_override, load_config, run_order

from helpers import RECIPE, write_yaml


def test_committed_recipe_validates(capsys):
    assert main(["validate", RECIPE]) == 0
    assert "ok" in capsys.readouterr().out


@pytest.mark.parametrize(
    "text, needle",
    [
        ("pipelines: [unclosed", "invalid YAML at line 1"),
        ("- just\n- a list\n", "top level must be a mapping"),
        ("pipelines:\n  web:\n    language:\n      treshold: 0.5\n", "pipelines.web.language.treshold: unknown field"),
        ("pipelines:\n  web:\n    language:\n      threshold: high\n", "pipelines.web.language.threshold"),
        ("executor: {type: kubernetes}\n", "executor.type"),
        ("pipelines:\n  nonsense: {}\n", "pipelines.nonsense: unknown field"),
        ("pipelines:\n  dedup: {depends_on: [nowhere]}\n", "unknown pipeline 'nowhere'"),
    ],
)
def test_bad_yaml_exits_2_with_one_line(tmp_path, capsys, text, needle):
    path = write_yaml(tmp_path / "bad.yaml", text)
    for argv in (["validate", path], ["run", path]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1, err
        assert needle in err


def test_missing_config_file(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "no such config file" in capsys.readouterr().err


def test_set_overrides_parse_values_as_yaml(tmp_path):
    cfg = load_config(RECIPE, ["pipelines.web.language.threshold=0.8", "executor.tasks=3",
                               "pipelines.web.language.languages=[en, de]"])
    assert cfg.pipelines.web.language.threshold == 0.8
    assert cfg.executor.tasks == 3
    assert cfg.pipelines.web.language.languages == ["en", "de"]
    with pytest.raises(ConfigError, match="expected DOTTED.PATH=VALUE"):
        apply_override({}, "no-equals-sign")
    with pytest.raises(ConfigError, match="pipelines.web.language.threshold"):
        load_config(RECIPE, ["pipelines.web.language.threshold=[1, 2]"])


def test_run_order_follows_depends_on(tmp_path):
    path = write_yaml(tmp_path / "p.yaml", """
pipelines:
  refine: {depends_on: [dedup]}
  dedup: {depends_on: [web]}
  web: {}
""")
    cfg = load_config(path)
    assert run_order(cfg, ["refine", "web", "dedup"]) == ["web", "dedup", "refine"]
    # --only runs just what is named, reading whatever its input folder holds
    assert run_order(cfg, ["refine"]) == ["refine"]


def test_unknown_only_and_missing_input_exit_2(tmp_path, capsys):
    assert main(["run", RECIPE, "--only", "webb", "--output", str(tmp_path / "o")]) == 2
    assert "unknown pipeline 'webb'" in capsys.readouterr().err
    assert main(["run", RECIPE, "--only", "web", "--input", str(tmp_path / "missing.warc.gz"), "--output", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert "no such file or directory" in err and len(err.splitlines()) == 1
