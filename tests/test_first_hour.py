"""A planner's first hour: the starter scenario, each command's next step and examples, and
the sharp edges a new user met (paths as text, Sobol's defaults, outputs that do not vary,
whole-number factors, near names, settings worth a second look, a pre-flight that adds up).
"""

from __future__ import annotations

import inspect
import warnings
from datetime import date
from pathlib import Path

import click
import pytest

from simulator.calendar import parse_moment
from simulator.cli.commands import cli, main
from simulator.folders import write_results
from simulator.model.compiler import compile_season
from simulator.model.preflight import preflight
from simulator.planning.sensitivity import DEFAULT_SAMPLES, sensitivity
from simulator.report import write_report
from simulator.results import Work, simulate
from simulator.scenario import load_scenario, write_starter

ROOT = Path(__file__).parents[1]
SCENARIOS = ROOT / "scenarios"
DEMO = SCENARIOS / "demo.yaml"
HYBRID = SCENARIOS / "season-hybrid.yaml"
EXAMPLES = sorted(SCENARIOS.glob("*.yaml"))


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


# --- reelsim init ---------------------------------------------------------------------------


def test_init_writes_a_starter_that_validates_and_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "my-season"
    code, _, err = run(capsys, "init", folder)
    assert code == 0, err
    scenario = folder / "scenario.yaml"
    assert scenario.is_file()
    assert (folder / "prices" / "gpu-2026.yaml").is_file()
    assert f"next: reelsim validate {scenario}" in err
    code, out, err = run(capsys, "validate", scenario)
    assert code == 0, err
    assert "valid" in out
    assert out.startswith("my-season: valid")  # named after its folder
    assert f"next: reelsim run {scenario} --out results/my-season" in err
    out_dir = tmp_path / "results"
    code, _, err = run(capsys, "run", scenario, "-n", 3, "--no-plots", "--out", out_dir)
    assert code == 0, err
    assert f"next: reelsim report {out_dir} -o results.html" in err
    code, _, err = run(capsys, "report", out_dir, "-o", tmp_path / "demo.html")
    assert code == 0, err
    assert (tmp_path / "demo.html").stat().st_size > 0
    assert f"next: open {tmp_path / 'demo.html'} in a browser, or reelsim export {out_dir}" in err
    code, _, err = run(capsys, "export", out_dir)
    assert code == 0, err
    assert f"next: open {out_dir / 'export.xlsx'} in a spreadsheet" in err


def test_init_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_starter(tmp_path)
    before = (tmp_path / "scenario.yaml").read_text()
    (tmp_path / "scenario.yaml").write_text(before + "# mine\n")
    code, _, err = run(capsys, "init", tmp_path)
    assert code == 2
    assert f"{tmp_path / 'scenario.yaml'} and {tmp_path / 'prices'}" in err
    assert "already exist: reelsim init writes only new files" in err
    assert (tmp_path / "scenario.yaml").read_text().endswith("# mine\n")


def test_the_starter_is_the_demo_with_its_prices() -> None:
    """The shipped starter files are the project's demo and prices file, kept in step."""
    starter = ROOT / "simulator" / "scenario" / "starter_files"
    demo = DEMO.read_text().splitlines(keepends=True)
    assert demo[0].startswith("# yaml-language-server:")  # a hint to the project's docs/
    assert (starter / "scenario.yaml").read_text() == "".join(demo[2:])
    prices = SCENARIOS / "prices" / "gpu-2026.yaml"
    assert (starter / "prices" / "gpu-2026.yaml").read_text() == prices.read_text()


# --- every command: examples, its next step, one meaning of --threads, --out defaults --------


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_shows_examples(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, name, "--help")
    assert code == 0
    examples = out[out.index("Examples:") :]
    assert f"reelsim {name}" in examples


def test_threads_means_one_thing_everywhere() -> None:
    helps = {
        name: next(p.help for p in command.params if p.name == "threads")
        for name, command in cli.commands.items()
        if any(p.name == "threads" for p in command.params)
    }
    assert {"run", "sweep", "staff", "compare", "sensitivity"} <= set(helps)
    assert len(set(helps.values())) == 1, helps


@pytest.mark.parametrize("name", ["run", "sweep", "staff", "compare", "sensitivity"])
def test_out_says_its_default(name: str) -> None:
    out = next(p for p in cli.commands[name].params if p.name == "out")
    assert isinstance(out, click.Option)
    assert "(default: results/" in (out.help or "")


# --- --now today ------------------------------------------------------------------------------


def test_now_accepts_today() -> None:
    assert parse_moment("today", today=date(2027, 3, 2)) == date(2027, 3, 2)
    assert parse_moment(" Today ") == date.today()
    with pytest.raises(ValueError, match="or today"):
        parse_moment("yesterday")


# --- paths as text ----------------------------------------------------------------------------


def test_write_report_takes_a_str(tmp_path: Path) -> None:
    result = simulate(load_scenario(str(DEMO)), Work(replications=2))
    write_results(result, str(tmp_path), plots=False)
    written = write_report(str(tmp_path), str(tmp_path / "page.html"))
    assert written == tmp_path / "page.html"
    assert written.read_text().startswith("<!DOCTYPE html>")
    assert write_report(str(tmp_path)) == tmp_path / "report.html"


def _public_functions() -> list[tuple[str, object]]:
    import importlib
    import pkgutil

    import simulator

    found: dict[str, object] = {}
    for module_info in pkgutil.walk_packages(simulator.__path__, "simulator."):
        if any(part.startswith("_") for part in module_info.name.split(".")[1:]):
            continue
        module = importlib.import_module(module_info.name)
        for name in getattr(module, "__all__", []):
            thing = getattr(module, name)
            members = [(name, thing)] if inspect.isfunction(thing) else []
            if inspect.isclass(thing):
                members = [
                    (f"{name}.{attr}", getattr(thing, attr))
                    for attr, raw in vars(thing).items()
                    if not attr.startswith("_")
                    and (inspect.isfunction(raw) or isinstance(raw, classmethod | staticmethod))
                ]
            for qualified, function in members:
                found[f"{getattr(function, '__module__', '')}.{qualified}"] = function
    return sorted(found.items())


def test_every_public_function_takes_a_str_where_it_takes_a_path() -> None:
    """Read from the annotations as written (every module postpones them): a parameter
    whose type is ``Path`` (or ``Path | None``) without ``str`` refuses a ``str``."""
    only_path = []
    for name, function in _public_functions():
        for parameter in inspect.signature(function).parameters.values():
            written = parameter.annotation
            if not isinstance(written, str):
                continue
            members = {member.strip() for member in written.split("|")}
            text = {"str", "StrPath", "os.PathLike[str]", "PathLike[str]"}
            if "Path" in members and not members & text:
                only_path.append(f"{name}({parameter.name}: {written})")
    assert not only_path, only_path
    assert _public_functions()  # the walk found the public names


# --- sensitivity ------------------------------------------------------------------------------

FACTORS = [
    "penalties.escaped_defect=2000:20000",
    "shot_stages.image_to_video.defect_probability=0.02:0.2",
]


def test_sobol_runs_with_its_default_samples(tmp_path: Path) -> None:
    result = sensitivity(
        DEMO,
        FACTORS,
        out=tmp_path,
        method="sobol",
        work=Work(replications=2),
        outputs=["cost_mean"],
        plots=False,
    )
    assert DEFAULT_SAMPLES["sobol"] & (DEFAULT_SAMPLES["sobol"] - 1) == 0
    assert len(result.samples) == DEFAULT_SAMPLES["sobol"] * (len(FACTORS) + 2)
    assert result.summary["samples"] == DEFAULT_SAMPLES["sobol"]


def test_an_output_that_does_not_vary_is_named_not_warned(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # SALib's RuntimeWarning (0/0) must not leak
        result = sensitivity(
            DEMO,
            FACTORS,
            out=tmp_path,
            work=Work(replications=3),
            samples=2,
            outputs=["p_any_miss", "cost_mean"],
            plots=False,
        )
    assert result.samples["p_any_miss"].nunique() == 1  # the demo is never late
    assert "P(any miss) does not vary over these ranges: no input moves it" in result.notes
    assert not any("mean season cost" in note for note in result.notes)
    p_any = result.indices[result.indices["output"] == "p_any_miss"]
    assert (p_any["mu_star"] == 0.0).all()
    assert sorted(p_any["rank"]) == [1, 2]
    assert result.summary["notes"] == result.notes


def test_a_whole_number_factor_says_so(tmp_path: Path) -> None:
    """A GPU count takes only whole numbers; a penalty the demo writes as 8000 could take
    any, and the note says how to ask for that."""
    result = sensitivity(
        DEMO,
        [
            "pools.h100.gpus=1:3",
            "penalties.escaped_defect=2000:20000",
            "shot_stages.image_to_video.defect_probability=0.02:0.2",
        ],
        out=tmp_path,
        work=Work(replications=2),
        samples=2,
        outputs=["cost_mean"],
        plots=False,
    )
    whole = [note for note in result.notes if "whole numbers" in note]
    assert whole == [
        "pools.h100.gpus is taken in whole numbers (1 to 3): the key takes nothing else",
        "penalties.escaped_defect is taken in whole numbers (2000 to 20000), as the scenario "
        "writes a whole number there; write it with a decimal point (such as 150.0) to "
        "sample it as a real number",
    ]
    assert set(result.samples["pools.h100.gpus"]) <= {1.0, 2.0, 3.0}
    assert result.samples["penalties.escaped_defect"].map(float.is_integer).all()


def test_the_sensitivity_command_prints_its_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys,
        "sensitivity",
        DEMO,
        "--method",
        "sobol",
        "--factor",
        FACTORS[0],
        "--factor",
        FACTORS[1],
        "--output",
        "p_any_miss",
        "-n",
        2,
        "--no-plots",
        "--out",
        tmp_path / "s",
    )
    assert code == 0, err
    assert "note: P(any miss) does not vary over these ranges" in err
    assert f"next: reelsim report {tmp_path / 's'} -o s.html" in err


# --- near names -------------------------------------------------------------------------------


def test_a_price_key_is_suggested_by_closeness(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", DEMO, "--set", "pools.h100.price=l40s-reserved")
    assert code == 2
    assert "no price 'l40s-reserved'" in err
    assert "did you mean 'l40s'?" in err
    assert "prices there: h100-on-demand-hyperscaler," in err
    assert "h100-spot" in err


def test_a_number_for_a_text_key_suggests_its_neighbour(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "validate", DEMO, "--set", "pools.h100.gpu=4")
    assert code == 2
    assert "expected a string, got 4; did you mean 'gpus'?" in err
    assert "Traceback" not in err


# --- settings worth a second look -------------------------------------------------------------


def _edited_starter(tmp_path: Path, old: str, new: str) -> Path:
    scenario = write_starter(tmp_path)
    text = scenario.read_text()
    assert old in text
    scenario.write_text(text.replace(old, new))
    return scenario


def test_a_review_that_rejects_every_shot_forever_is_flagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _edited_starter(
        tmp_path,
        "reject_probability: [0.65, 0.30]\n    max_rounds: 2 ",
        "reject_probability: 1\n    # no max_rounds",
    )
    code, out, _ = run(capsys, "validate", scenario)
    assert code == 0
    assert (
        "check: shot_stages.supervisor_review: reject_probability is 1 and max_rounds is not "
        "set: every shot is sent back at every round and loops until the horizon "
        "(run.horizon, 60 days)"
    ) in out


def test_unlimited_rounds_are_visible(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = _edited_starter(tmp_path, "max_rounds: 2 ", "# max_rounds: 2 ")
    code, out, _ = run(capsys, "validate", scenario)
    assert code == 0
    assert "check: shot_stages.supervisor_review.max_rounds is not set (the default)" in out
    code, out, _ = run(capsys, "validate", DEMO)
    assert "check:" not in out


def test_an_immediate_burst_is_visible(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", HYBRID)
    assert code == 0
    assert "policy.burst.wait" not in out  # the season waits before it bursts
    code, out, _ = run(capsys, "validate", HYBRID, "--set", "policy.burst.wait=0s")
    assert code == 0
    assert "check: policy.burst.wait is 0s (as written): a cloud GPU (h100-spot) is leased" in out


# --- the pre-flight -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_work_per_stage_adds_up_to_offered_hours(path: Path) -> None:
    model = compile_season(load_scenario(path))
    check = preflight(model)
    assert len(check.stages) == len(model.shot_stages) + len(model.episode_stages)
    for load in check.loads:
        stages = [s for s in check.stages if s.resource.name(model) == load.name]
        assert sum(s.offered_hours for s in stages) == pytest.approx(
            load.offered_hours, rel=1e-12, abs=1e-9
        )
    for stage in check.stages:
        visits = 1.0 if stage.visits is None else stage.visits * model.n_shots
        per_episode = 1.0 if stage.visits is not None else model.n_episodes
        assert stage.offered_hours == pytest.approx(
            visits * per_episode * stage.attempts * stage.hours_per_attempt, rel=1e-12
        )


def test_the_preflight_says_how_it_splits_work(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", HYBRID)
    assert code == 0
    assert "attempts/visit" in out
    assert (
        "all the work is counted on “H100s, reserved”, the first option; the simulation also "
        "sends work to “H100s, spot (burst)”"
    ) in out
    code, out, _ = run(capsys, "validate", DEMO)
    assert "the first option" not in out  # one option per stage: nothing to split


# --- packaging ----------------------------------------------------------------------------------


def test_every_file_of_the_package_is_installed() -> None:
    """A pip-installed reelsim has what the project has: every package is found, and every
    file that is not Python is package data (the report's template, the starter files)."""
    import fnmatch
    import tomllib

    from setuptools import find_packages

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = set(find_packages(str(ROOT), include=config["packages"]["find"]["include"]))
    data = config["package-data"]
    missing = []
    for top in ("simulator", "kernels"):
        for path in sorted((ROOT / top).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".so":
                continue
            relative = path.relative_to(ROOT)
            folder = ".".join(relative.parent.parts)
            if path.suffix in (".py", ".pyi"):  # setuptools installs stubs with the code
                if folder not in packages:
                    missing.append(str(relative))
                continue
            owner = max((p for p in packages if folder == p or folder.startswith(p + ".")), key=len)
            inside = relative.relative_to(Path(*owner.split("."))).as_posix()
            if not any(fnmatch.fnmatch(inside, pattern) for pattern in data.get(owner, [])):
                missing.append(str(relative))
    assert not missing, missing
