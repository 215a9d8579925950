"""Hostile scenarios: values at the edge of every range, files a scenario should not read.

Each case builds a hostile input and hands it to ``reelsim validate`` (or ``run``)
in-process: it must be refused with exit code 2, no traceback, a message that names the
key at fault and its allowed range, and quickly (each call runs under a time limit, so a
loop that never ends fails the test instead of hanging it).
"""

from __future__ import annotations

import copy
import os
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator.cli.commands import main
from simulator.errors import ScenarioError
from simulator.model import Status
from simulator.scenario import FILE_ROOTS_VARIABLE

LIMIT_S = 30.0

BASE: dict[str, Any] = {
    "name": "hostile",
    "calendar": {"start": date(2027, 1, 4)},
    "shows": {
        "harbor": {
            "frames_per_shot": {"dist": "lognormal", "mean": 96, "cv": 1.2},
            "episodes": [
                {
                    "name": "ep01",
                    "lock": date(2027, 1, 4),
                    "deadline": date(2027, 1, 15),
                    "shots": 4,
                },
                {
                    "name": "ep02",
                    "lock": date(2027, 1, 6),
                    "deadline": date(2027, 1, 20),
                    "shots": 4,
                },
            ],
        }
    },
    "shot_stages": {
        "animate": {
            "kind": "gpu",
            "options": [{"pool": "h100", "seconds_per_frame": 18.4}],
        },
        "review": {
            "kind": "review",
            "team": "supervisors",
            "minutes_per_shot": 2,
            "reject_probability": 0.2,
            "rework_to": "animate",
        },
    },
    "episode_stages": {"conform": {"team": "editors", "hours_per_episode": 6}},
    "pools": {"h100": {"gpus": 2, "price_per_gpu_hour": 2.08}},
    "teams": {
        "supervisors": {"around_the_clock": 1, "hourly_rate": 150},
        "editors": {"around_the_clock": 1, "hourly_rate": 80},
    },
    "run": {"replications": 2, "horizon": "60d"},
}


def within(seconds: float, call: Callable[[], Any]) -> Any:
    """``call()``'s result, failing the test if it takes longer than ``seconds``."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = call()
        except BaseException as error:  # re-raised in the test's thread
            box["error"] = error

    worker = threading.Thread(target=target, daemon=True)
    started = time.perf_counter()
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s"
    if "error" in box:
        raise box["error"]
    box["elapsed"] = time.perf_counter() - started
    return box["result"]


def write(folder: Path, data: dict[str, Any], name: str = "s.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def changed(**paths: Any) -> dict[str, Any]:
    """BASE with each dotted path (``__`` for the dots) set to its value."""
    data = copy.deepcopy(BASE)
    for dotted, value in paths.items():
        steps: list[Any] = [int(s) if s.isdigit() else s for s in dotted.split("__")]
        node: Any = data
        for step in steps[:-1]:
            node = node[step]
        node[steps[-1]] = value
    return data


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the command; it must exit 2 without a traceback. Returns what it printed."""
    code = within(LIMIT_S, lambda: main(list(argv)))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    return err


def validate_refused(capsys: pytest.CaptureFixture[str], path: Path) -> str:
    return refused(capsys, "validate", str(path))


def test_the_base_scenario_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", str(write(tmp_path, BASE))])
    assert code == 0, capsys.readouterr().err


# --- 1. counts and values cast to integers --------------------------------------------


@pytest.mark.parametrize(
    ("where", "value", "key", "words"),
    [
        ("shows__harbor__frames_per_shot", 1e19, "shows.harbor.frames_per_shot", "10,000,000"),
        (
            "shows__harbor__frames_per_shot",
            {"dist": "lognormal", "median": 1e6, "sigma": 3},
            "shows.harbor.frames_per_shot",
            "10,000,000",
        ),
        ("shows__harbor__episodes__0__shots", 10**7, "episodes.0.shots", "100,000"),
        ("pools__h100__gpus", 2**40, "pools.h100.gpus", "65,535"),
        ("pools__h100__preemption_batch", 2**70, "pools.h100.preemption_batch", "65,535"),
        ("teams__editors__around_the_clock", 10**9, "around_the_clock", "10,000"),
        ("shot_stages__animate__max_attempts", 10**6, "max_attempts", "1,000"),
        ("shot_stages__review__max_rounds", 256, "max_rounds", "255"),
        ("run__replications", 10**12, "run.replications", "100,000,000"),
        ("run__seed", 2**64, "run.seed", "18,446,744,073,709,551,616"),
    ],
)
def test_counts_out_of_range_are_refused_with_their_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, value: Any, key: str, words: str
) -> None:
    err = validate_refused(capsys, write(tmp_path, changed(**{where: value})))
    line = next((line for line in err.splitlines() if key in line), "")
    assert words in line, err


# --- 3. shot-list rows for no episode ------------------------------------------------


def test_a_shot_list_row_for_no_episode_is_refused_with_its_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "shots.csv").write_text(
        "episode,shot,frames\nep01,sh010,96\nEP02,sh020,80\nep02,sh030,70\n", encoding="utf-8"
    )
    data = changed(shows__harbor__shot_list="shots.csv")
    err = validate_refused(capsys, write(tmp_path, data))
    assert f"{tmp_path / 'shots.csv'}:3" in err
    assert "no episode named 'EP02'; did you mean 'ep02'?" in err


# --- 4. episode names from name_format --------------------------------------------------


def series(name_format: str, count: int = 3) -> dict[str, Any]:
    return changed(
        shows__harbor__episodes={
            "count": count,
            "first_lock": "0d",
            "lock_every": "7d",
            "first_deadline": "14d",
            "deadline_every": "7d",
            "shots": 2,
            "name_format": name_format,
        }
    )


@pytest.mark.parametrize(
    ("name_format", "words"),
    [
        ("{}", "only the field {number}"),
        ("{number:>100000}", "width of at most 99"),
        ("ep", "needs the field {number}"),
        ("", "must not be empty"),
        ("ep {number}", "is 1 to 100 letters"),
        ("{number.real}", "only the field {number}"),
        ("ep{number", "not a valid template"),
    ],
)
def test_a_bad_name_format_is_refused_quickly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name_format: str, words: str
) -> None:
    started = time.perf_counter()
    err = validate_refused(capsys, write(tmp_path, series(name_format, count=1000)))
    assert time.perf_counter() - started < 5.0
    assert "shows.harbor.episodes" in err
    assert words in err, err


def test_a_good_name_format_names_every_episode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(write(tmp_path, series("e{number:03d}")))]) == 0, (
        capsys.readouterr().err
    )


# --- 5. the files a scenario may read -----------------------------------------------------

SECRET = "SECRET-FIRST-LINE-" + "x" * 80


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file beside the scenario's folder (not inside it), holding a secret."""
    path = tmp_path / "private.csv"
    path.write_text(SECRET + "\nmore secrets\n", encoding="utf-8")
    (tmp_path / "scenario").mkdir()
    return path


@pytest.mark.parametrize("key", ["shot_list", "prices"])
@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink", "etc", "proc"])
def test_a_file_outside_the_scenario_folder_is_refused(
    outside: Path, capsys: pytest.CaptureFixture[str], key: str, how: str
) -> None:
    folder = outside.parent / "scenario"
    if how == "symlink":
        (folder / "link.csv").symlink_to(outside)
    written = {
        "absolute": str(outside),
        "dotdot": "../private.csv",
        "symlink": "link.csv",
        "etc": "/etc/passwd",
        "proc": "/proc/self/environ",
    }[how]
    data = changed(**{"shows__harbor__shot_list": written} if key == "shot_list" else {})
    if key == "prices":
        data["prices"] = written
        data["pools"]["h100"] = {"gpus": 2, "price": "h100"}
    err = validate_refused(capsys, write(folder, data))
    assert "lies outside the scenario's folder" in err, err
    assert FILE_ROOTS_VARIABLE in err
    assert "SECRET" not in err
    assert "root:" not in err


def test_an_allowed_root_is_read(
    outside: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    outside.write_text("episode,shot,frames\nep01,a,10\nep02,b,12\n", encoding="utf-8")
    monkeypatch.setenv(FILE_ROOTS_VARIABLE, str(outside.parent))
    path = write(outside.parent / "scenario", changed(shows__harbor__shot_list=str(outside)))
    assert main(["validate", str(path)]) == 0, capsys.readouterr().err


def test_a_bad_shot_list_is_quoted_only_in_a_short_excerpt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "shots.csv").write_text(SECRET + ",\x1b[31m\nrow\n", encoding="utf-8")
    err = validate_refused(capsys, write(tmp_path, changed(shows__harbor__shot_list="shots.csv")))
    assert "expected columns episode, shot, frames" in err
    assert SECRET not in err
    assert "x" * 30 not in err
    assert "\x1b" not in err  # escaped, never sent to the terminal


# --- 7 and 10. distributions and rates that would loop, overflow or never finish ------------

GPU_FAILURES = {"time_between_failures_hours": 0, "repair_hours": 0}


@pytest.mark.parametrize(
    ("where", "value", "key", "words"),
    [
        (
            "shot_stages__animate__options__0__seconds_per_frame",
            {"dist": "gamma", "mean": 10, "cv": 1e-160},
            "seconds_per_frame.cv",
            "0.01 to 10",
        ),
        (
            "shot_stages__animate__options__0__seconds_per_frame",
            {"dist": "gamma", "mean": 10, "cv": 1e200},
            "seconds_per_frame.cv",
            "0.01 to 10",
        ),
        (
            "shot_stages__animate__options__0__seconds_per_frame",
            {"dist": "lognormal", "median": 10, "sigma": 40},
            "seconds_per_frame.sigma",
            "0 to 4",
        ),
        (
            "shot_stages__animate__options__0__seconds_per_frame",
            {"dist": "exponential", "mean": 5e-324},
            "seconds_per_frame.mean",
            "1e-09 to 1e+09",
        ),
        (
            "shot_stages__animate__options__0__seconds_per_frame",
            {"dist": "empirical", "values": [1, 2], "weights": [1e308, 1e308]},
            "seconds_per_frame.weights.0",
            "0 to 1e+09",
        ),
        ("pools__h100__failures", GPU_FAILURES, "time_between_failures_hours", "at least 1 h"),
        (
            "pools__h100__failures",
            {"time_between_failures_hours": 1e-9, "repair_hours": 1},
            "time_between_failures_hours",
            "at least 1 h",
        ),
        (
            "pools__h100",
            {"kind": "spot", "gpus": 2, "price_per_gpu_hour": 1, "preemptions_per_gpu_hour": 1e300},
            "pools.h100.preemptions_per_gpu_hour",
            "0 to 6",
        ),
        (
            "pools__h100",
            {"kind": "spot", "gpus": 2, "price_per_gpu_hour": 1, "preemptions_per_gpu_hour": 1e6},
            "pools.h100.preemptions_per_gpu_hour",
            "0 to 6",
        ),
        ("pools__h100__price_per_gpu_hour", 1e308, "pools.h100.price_per_gpu_hour", "1e+09"),
        ("teams__editors__hourly_rate", 1e308, "teams.editors.hourly_rate", "1e+09"),
        ("shows__harbor__episodes__0__priority", 1e308, "episodes.0.priority", "1,000,000"),
        ("run__horizon", "1000000000h", "run.horizon", "87,660"),
        (
            "shows__harbor__episodes__0__deadline",
            date(9999, 12, 31),
            "episodes.0.deadline",
            "2999-12-31",
        ),
        (
            "shows__harbor__episodes__0__deadline",
            date(2040, 1, 1),
            "episodes.0.deadline",
            "3,652 days",
        ),
        ("shows__harbor__episodes__0__deadline", "90000h", "episodes.0.deadline", "87,660h"),
        ("calendar__start", date(1, 1, 1), "calendar.start", "1900-01-01"),
        ("shows__harbor__episodes", [], "shows.harbor.episodes", "at least 1 item"),
    ],
)
def test_values_that_break_a_sampler_or_a_sum_are_refused_with_their_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, value: Any, key: str,
    words: str,
) -> None:  # fmt: skip
    err = validate_refused(capsys, write(tmp_path, changed(**{where: value})))
    line = next((line for line in err.splitlines() if key in line), "")
    assert words in line, err


def test_a_series_running_past_ten_years_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = series("ep{number:02d}")
    data["shows"]["harbor"]["episodes"]["deadline_every"] = "1000000000000h"
    err = validate_refused(capsys, write(tmp_path, data))
    assert "shows.harbor.episodes.deadline_every" in err
    assert "87,660" in err


def test_thousands_of_episode_stages_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = copy.deepcopy(BASE)
    data["teams"].update({f"t{k}": {"around_the_clock": 1, "hourly_rate": 1} for k in range(300)})
    data["episode_stages"] = {
        f"s{k}": {"team": f"t{k}", "hours_per_episode": 1} for k in range(256)
    }
    err = validate_refused(capsys, write(tmp_path, data))
    assert "episode_stages: must have at most 255 entries, got 256" in err
    assert "None" not in err


# --- 8. sizes, kinds of file, and how many problems are printed ---------------------------


def test_a_huge_shot_list_is_refused_before_it_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open(tmp_path / "shots.csv", "wb") as handle:
        handle.truncate(2 * 1024**3)  # 2 GB, sparse: reading it would exhaust memory
    err = validate_refused(capsys, write(tmp_path, changed(shows__harbor__shot_list="shots.csv")))
    assert "2,147,483,648 bytes; the limit is" in err


def test_a_fifo_or_a_device_is_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    os.mkfifo(tmp_path / "shots.csv")
    err = validate_refused(capsys, write(tmp_path, changed(shows__harbor__shot_list="shots.csv")))
    assert "is a FIFO (named pipe), not a regular file" in err
    assert "no such" not in err
    monkeypatch.setenv(FILE_ROOTS_VARIABLE, "/dev")
    err = validate_refused(capsys, write(tmp_path, changed(shows__harbor__shot_list="/dev/zero")))
    assert "/dev/zero is a character device, not a regular file" in err
    err = refused(capsys, "validate", "/dev/zero")
    assert "character device" in err
    assert "no such" not in err


def test_a_million_bad_rows_print_a_few_problems_and_a_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "".join(f"ep01,s{k},many\n" for k in range(1_000_000))
    (tmp_path / "shots.csv").write_text("episode,shot,frames\n" + rows, encoding="utf-8")
    err = validate_refused(capsys, write(tmp_path, changed(shows__harbor__shot_list="shots.csv")))
    assert len(err.splitlines()) <= 25
    assert "and 999,981 more rows like these" in err


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_status_file_that_is_no_regular_file_is_refused_at_once(
    tmp_path: Path, kind: str
) -> None:
    if kind == "fifo":
        status = tmp_path / "status.csv"
        os.mkfifo(status)
    else:
        status = Path("/dev/zero")
    with pytest.raises(ScenarioError) as caught:
        within(LIMIT_S, lambda: Status.read(status, "2027-01-06"))
    assert "not a regular file" in str(caught.value)


# --- 9. aliases that expand to megabytes, long titles ------------------------------------


def test_a_long_string_aliased_many_times_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = yaml.safe_dump(BASE, sort_keys=False)
    big = "x" * 1_900_000
    shows = "".join(
        f"  s{k}:\n    title: *big\n    frames_per_shot: 9\n"
        "    episodes: [{name: e, lock: 0d, deadline: 9d, shots: 1}]\n"
        for k in range(98)
    )
    text = f"description: &big {big}\n" + text
    text = text.replace("shows:\n", "shows:\n" + shows, 1)
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    err = validate_refused(capsys, path)
    assert "bytes of text once aliases are expanded" in err


def test_a_long_title_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = validate_refused(capsys, write(tmp_path, changed(shows__harbor__title="t" * 5000)))
    assert "shows.harbor.title: must be at most 200 characters long" in err


# --- 10 and 14. numbers too long to read, messages that say what is wrong -------------------


@pytest.mark.parametrize("number", ["9" * 5000, "0x" + "f" * 5000, "-" + "1" * 4400])
def test_a_number_with_thousands_of_digits_is_refused_as_too_long(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], number: str
) -> None:
    text = yaml.safe_dump(changed(pools__h100__gpus=1234567), sort_keys=False)
    path = tmp_path / "s.yaml"
    path.write_text(text.replace("1234567", number), encoding="utf-8")
    err = validate_refused(capsys, path)
    assert "is too long" in err
    assert "date" not in err


@pytest.mark.parametrize(
    "vary",
    ["pools.h100.gpus=1:1e999999999", "pools.h100.gpus=0:1:1e-999999999", "run.seed=0:1e300"],
)
def test_a_huge_vary_range_is_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], vary: str
) -> None:
    scenario = write(tmp_path, BASE)
    err = refused(capsys, "sweep", str(scenario), "--vary", vary, "--out", str(tmp_path / "o"))
    assert f"--vary {vary}" in err
    assert "at most" in err or "within 1e-300 to 1e300" in err


@pytest.mark.parametrize(
    ("where", "key"),
    [
        ("shows__harbor__episodes__0__lock", "episodes.0.lock"),
        ("run__horizon", "run.horizon"),
        ("teams__editors", "teams.editors.shifts.0.start"),
    ],
)
def test_a_huge_bad_value_is_quoted_only_in_short(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, key: str
) -> None:
    huge = "9" * 100_000 + "x"
    value: Any = huge
    if where == "teams__editors":
        value = {"shifts": [{"start": huge, "end": "17:00", "people": 1}], "hourly_rate": 1}
    err = validate_refused(capsys, write(tmp_path, changed(**{where: value})))
    assert key in err
    assert max(len(line) for line in err.splitlines()) < 400
