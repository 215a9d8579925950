"""``reelsim explore``: the session's numbers are ``compare``'s, bad input is refused as the
command line refuses it, the server lets in only its token, Ctrl-C stops it, and the page
in headless Chromium shows what ``compare`` computes, with no console error and no request
leaving 127.0.0.1.

Everything runs on a copy of the demo scenario (with its prices) in a temporary folder, on
a few replications, so that what the session writes stays there.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from chromium import opened, started_chromium

from simulator.cli.commands import main
from simulator.errors import ScenarioError, UnsupportedError, UsageError
from simulator.explore import (
    Session,
    answer_steps,
    changed_text,
    create_app,
    expand_shifts,
    refusal,
    save_configuration,
)
from simulator.explore.app import bound_socket
from simulator.model import compile_season
from simulator.planning import compare, sweep
from simulator.report.words import DIFFERENCES
from simulator.results import Work, simulate
from simulator.scenario import apply_overrides, load_scenario, load_yaml, load_yaml_file

ROOT = Path(__file__).parents[1]
REPLICATIONS = 20
FIRST = 10
CHANGE = "teams.supervisors.shifts.0.people=2"
BAD = "pools.h100.gpus=-1"
TOKEN = "test-token-not-secret"


def _scenario_folder(base: Path, name: str = "demo.yaml") -> Path:
    shutil.copy(ROOT / "scenarios" / name, base / name)
    shutil.copytree(ROOT / "scenarios" / "prices", base / "prices")
    return base / name


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    return _scenario_folder(tmp_path)


@pytest.fixture
def session(scenario: Path) -> Iterator[Session]:
    live = Session(scenario, replications=REPLICATIONS, first=FIRST, threads=1)
    try:
        yield live
    finally:
        live.close()


def _compared(scenario: Path, change: str, n: int, seed: int, out: Path) -> Any:
    return compare(scenario, out=out, work=Work(replications=n, seed=seed), overrides_a=[change])


# --- the session ----------------------------------------------------------------------------


def test_answers_come_in_growing_steps() -> None:
    assert answer_steps(20, 200) == [20, 200]
    assert answer_steps(20, 1000) == [20, 200, 1000]
    assert answer_steps(10, 20) == [10, 20]
    assert answer_steps(50, 20) == [20]


def test_knobs_come_from_the_scenario_with_its_values(session: Session) -> None:
    knobs = {k.path: k for k in session.knobs}
    assert knobs["pools.h100.gpus"].value == "2"
    assert knobs["teams.supervisors.shifts.0.people"].value == "1"
    assert knobs["shot_stages.supervisor_review.sample_rate"].group == "Review"
    assert knobs["policy.queue"].choices[0] == "fifo"
    assert knobs["policy.queue"].value == session.scenario.policy.queue


def test_a_shift_moves_every_episode_of_a_list_and_a_refused_one_says_where(
    session: Session, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (name, show), *_ = session.scenario.shows.items()
    knobs = {k.path: k for k in session.knobs}
    assert knobs[f"shows.{name}.episodes.*.deadline"].value == "0"
    assert knobs[f"shows.{name}.episodes.*.lock"].kind == "integer"
    shift = f"shows.{name}.episodes.*.deadline=2"
    moved = session.submit([shift])
    assert moved.changes == tuple(
        f"shows.{name}.episodes.{k}.deadline={(ep.deadline + timedelta(days=2)).isoformat()}"
        for k, ep in enumerate(show.episodes)
    )
    assert moved.label == f"{name}: every deadline +2 days"
    assert session.wait(moved.id, timeout=120).state == "done", moved.error
    deadlines = [ep.deadline for ep in load_scenario(scenario, moved.changes).shows[name].episodes]
    assert deadlines == [ep.deadline + timedelta(days=2) for ep in show.episodes]
    # Too far: a deadline before its lock, refused as the command line refuses the overrides.
    too_far = f"shows.{name}.episodes.*.deadline=-30"
    with pytest.raises(ScenarioError) as refused:
        session.submit([too_far])
    overrides = expand_shifts(session.scenario, [too_far])
    assert main(["validate", str(scenario), *(f"--set={o}" for o in overrides)]) == 2
    printed = capsys.readouterr().err.strip()
    assert refusal(refused.value) == printed
    assert f"shows.{name}.episodes.0.deadline" in printed
    with pytest.raises(UsageError, match="whole number of days"):
        session.submit([f"shows.{name}.episodes.*.lock=soon"])
    assert len(session.configurations) == 2


def test_a_change_gives_the_numbers_compare_gives(session: Session, tmp_path: Path) -> None:
    configuration = session.wait(session.submit([CHANGE]).id, timeout=120)
    assert configuration.state == "done", configuration.error
    assert configuration.replications == REPLICATIONS
    assert len(configuration.seconds) == len(answer_steps(FIRST, REPLICATIONS))
    expected = _compared(session.scenario_path, CHANGE, REPLICATIONS, session.seed, tmp_path / "c")
    got = configuration.comparison
    assert got is not None
    columns = ["quantity", "n", "differing", "mean_a", "mean_b", "difference", "low", "high"]
    assert got.table[columns].equals(expected.table[columns])
    rows = {r["quantity"]: r for r in configuration.view["differences"]}  # type: ignore[index]
    cost = expected.row("cost_total")
    assert rows["cost_total"]["value"] == cost["difference"]
    assert rows["cost_total"]["low"] == cost["low"]
    assert configuration.view["sentence"].startswith(configuration.label)  # type: ignore[index]
    # The same configuration asked again is the one already answered.
    assert session.submit([CHANGE]) is configuration


def test_the_season_figures_hold_the_daily_bins_of_each_pool_and_team(session: Session) -> None:
    configuration = session.wait(session.submit([CHANGE]).id, timeout=120)
    baseline = session.wait(0, timeout=120)
    for changes, drawn in (([CHANGE], configuration), ([], baseline)):
        assert drawn.season is not None, drawn.note
        assert drawn.season["svg"].lstrip().startswith(b"<?xml")
        model = compile_season(load_scenario(session.scenario_path, changes))
        keys = [f"pool:{p.name}" for p in model.pools] + [f"team:{t.name}" for t in model.teams]
        assert list(drawn.season["numbers"]) == keys
        assert drawn.to_json()["season"] == [model.labels()[k] for k in keys]
        # The daily bins of the same replications, as a run keeps them.
        run = simulate(
            load_scenario(session.scenario_path, changes),
            Work(replications=REPLICATIONS, seed=session.seed),
        )
        bins = run.timeseries_frame()
        for key in keys:
            for column in ("busy", "queue"):
                table = bins[bins["resource"] == key].pivot(
                    index="replication", columns="day", values=column
                )
                means = table.fillna(0.0).to_numpy(float).mean(axis=0)
                assert drawn.season["numbers"][key][column] == means.tolist(), (key, column)
    assert any(max(n["busy"]) > 0 for n in configuration.season["numbers"].values())


def test_chunks_without_the_daily_bins_answer_but_say_why_there_is_no_figure(
    scenario: Path,
) -> None:
    seed = load_scenario(scenario).run.seed
    folder = scenario.parent / "results" / "explore-demo"
    work = Work(replications=REPLICATIONS, seed=seed, chunk_size=FIRST)
    sweep(scenario, [], out=folder, work=work, plots=False)  # planning's chunks: no bins
    live = Session(scenario, replications=REPLICATIONS, first=FIRST, threads=1)
    try:
        baseline = live.wait(0, timeout=120)
    finally:
        live.close()
    assert baseline.state == "done"
    assert baseline.replications == REPLICATIONS
    assert baseline.season is None
    assert str(folder) in baseline.to_json()["season_note"]


def test_a_bad_change_is_refused_as_the_command_line_refuses_it(
    session: Session, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ScenarioError) as refused:
        session.submit([BAD])
    assert main(["validate", str(scenario), "--set", BAD]) == 2
    printed = capsys.readouterr().err.strip()
    assert refusal(refused.value) == printed
    assert "pools.h100.gpus" in printed
    assert [c.changes for c in session.configurations] == [()]


def test_a_configuration_can_be_cancelled(scenario: Path) -> None:
    slow = Session(scenario, replications=4000, first=FIRST, threads=1)
    try:
        baseline = slow.configurations[0]
        running = slow.submit([CHANGE])
        queued = slow.submit(["teams.editors.shifts.0.people=2"])
        assert slow.cancel(queued.id).state == "cancelled"
        for configuration in (baseline, running):
            while configuration.replications == 0:
                time.sleep(0.02)
            slow.cancel(configuration.id)
            stopped = slow.wait(configuration.id, timeout=60)
            assert stopped.state == "cancelled"
            assert FIRST <= stopped.replications < 4000
            assert stopped.view is not None  # the answer so far stays
        assert slow.wait(queued.id, timeout=1).replications == 0
    finally:
        slow.close()


def test_a_change_that_changes_nothing_is_the_baseline(session: Session) -> None:
    same = session.wait(session.submit(["pools.h100.gpus=2"]).id, timeout=120)
    assert same.state == "done"
    assert "baseline" in same.note
    assert same.view == session.configurations[0].view


def test_a_configuration_that_cannot_run_says_why_and_the_session_goes_on(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    import simulator.explore.session as live

    session.wait(0, timeout=120)
    real = live.compare

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise UnsupportedError("the batch kernel cannot run this: a reason")

    monkeypatch.setattr(live, "compare", refuse)
    failed = session.wait(session.submit([CHANGE]).id, timeout=60)
    assert failed.state == "failed"
    assert failed.error == "error: the batch kernel cannot run this: a reason"
    monkeypatch.setattr(live, "compare", real)
    other = session.wait(session.submit(["teams.editors.shifts.0.people=2"]).id, timeout=120)
    assert other.state == "done"
    again = session.wait(session.submit([CHANGE]).id, timeout=120)  # tried afresh
    assert again.id != failed.id
    assert again.state == "done"


def test_the_saved_scenario_keeps_its_comments(scenario: Path) -> None:
    original = scenario.read_text()
    text, kept = changed_text(scenario, [CHANGE, "policy.queue=fifo"])
    assert kept
    comments = [line for line in original.splitlines() if line.lstrip().startswith("#")]
    assert comments
    assert all(c in text.splitlines() for c in comments)
    data, _ = load_yaml(text, "saved")
    wanted = apply_overrides(load_yaml_file(scenario)[0], [CHANGE, "policy.queue=fifo"])
    assert data == wanted
    # A new key cannot be written into the text: the scenario is written as data.
    new_key = "shot_stages.supervisor_review.gang=1"
    text, kept = changed_text(scenario, [new_key])
    assert not kept
    assert load_yaml(text, "saved")[0] == apply_overrides(load_yaml_file(scenario)[0], [new_key])


def test_saving_writes_the_scenario_results_and_report_inside_its_folder(
    session: Session, scenario: Path
) -> None:
    configuration = session.wait(session.submit([CHANGE]).id, timeout=120)
    work = Work(replications=REPLICATIONS, seed=session.seed)
    written = save_configuration(scenario, configuration.id, configuration.changes, work)
    folder = scenario.parent
    assert written["comments_kept"]
    saved = folder / written["scenario"]
    assert saved.parent == folder
    assert load_scenario(saved) == load_scenario(scenario, [CHANGE])
    results = folder / written["results"]
    assert results.parent == folder / "results"
    summary = json.loads((results / "summary.json").read_text())
    assert summary["replications"] == REPLICATIONS
    assert summary["seed"] == session.seed
    # The saved run is the configuration the session answered, replication for replication.
    mean = configuration.comparison.row("cost_total")["mean_a"]  # type: ignore[union-attr]
    assert summary["cost"]["total"]["mean"]["estimate"] == pytest.approx(mean, rel=1e-12)
    assert (folder / written["report"]).is_file()


# --- the server -----------------------------------------------------------------------------


@contextlib.contextmanager
def _serving(session: Session) -> Iterator[str]:
    import uvicorn

    sock = bound_socket("127.0.0.1", 0)
    config = uvicorn.Config(create_app(session, TOKEN), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.02)
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _ask(
    address: str, path: str, *, cookie: str = "", body: Any = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(address, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    method = "GET" if body is None else "POST"
    connection.request(method, path, None if body is None else json.dumps(body), headers)
    reply = connection.getresponse()
    data = reply.read()
    connection.close()
    return reply.status, {k.lower(): v for k, v in reply.getheaders()}, data


def test_the_command_refuses_a_bad_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\ncalendar: {start: 2027-01-04}\nshows: {}\n")
    assert main(["explore", str(broken), "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {broken}")
    assert "Traceback" not in err


def test_the_server_lets_in_only_its_token(session: Session) -> None:
    with _serving(session) as address:
        for path in ("/", "/api/state", "/static/explore.js", "/api/season/0", "/?token=wrong"):
            assert _ask(address, path)[0] == 403, path
        assert _ask(address, "/api/try", body={"changes": [CHANGE]})[0] == 403
        assert _ask(address, "/", cookie="reelsim_explore=wrong")[0] == 403
        status, headers, _ = _ask(address, f"/?token={TOKEN}")
        assert status == 303
        assert headers["location"] == "/"
        assert f"reelsim_explore={TOKEN}" in headers["set-cookie"]
        cookie = f"reelsim_explore={TOKEN}"
        status, headers, page = _ask(address, "/", cookie=cookie)
        assert status == 200
        assert b"Knobs" in page
        assert "default-src 'none'" in headers["content-security-policy"]
        assert _ask(address, "/static/../session.py", cookie=cookie)[0] == 404
        state = json.loads(_ask(address, "/api/state", cookie=cookie)[2])
        assert state["configurations"][0]["label"] == "baseline"
        session.wait(0, timeout=120)  # the version then stays as it is
        same = f"/api/state?since={session.version}"
        assert json.loads(_ask(address, same, cookie=cookie)[2])["unchanged"]
        status, headers, figure = _ask(address, "/api/season/0", cookie=cookie)
        assert status == 200
        assert headers["content-type"] == "image/svg+xml"
        assert "default-src 'none'" in headers["content-security-policy"]
        assert figure == session.configurations[0].season["svg"]  # type: ignore[index]
        assert _ask(address, "/api/season/7", cookie=cookie)[0] == 404


def test_a_bad_knob_gets_the_located_message_in_the_reply(
    session: Session, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cookie = f"reelsim_explore={TOKEN}"
    with _serving(session) as address:
        status, _, body = _ask(address, "/api/try", cookie=cookie, body={"changes": [BAD]})
        assert status == 200  # the request was understood; the changes are refused
        assert main(["validate", str(scenario), "--set", BAD]) == 2
        assert json.loads(body)["refused"] == capsys.readouterr().err.strip()
        connection = http.client.HTTPConnection(address, timeout=60)
        headers = {"Cookie": cookie, "Content-Type": "application/json"}
        connection.request("POST", "/api/try", "[" * 30_000 + "]" * 30_000, headers)
        assert connection.getresponse().status == 400
        connection.close()
        status, _, body = _ask(address, "/api/try", cookie=cookie, body={"changes": "x"})
        assert status == 400
        assert "PATH=VALUE" in json.loads(body)["error"]


def test_save_and_cancel_over_http(session: Session, scenario: Path) -> None:
    cookie = f"reelsim_explore={TOKEN}"
    with _serving(session) as address:
        status, _, body = _ask(address, "/api/try", cookie=cookie, body={"changes": [CHANGE]})
        number = json.loads(body)["id"]
        session.wait(number, timeout=120)
        earlier = scenario.parent / f"demo-explore-{number}.yaml"  # an earlier session saved
        earlier.write_text("# saved before\n")
        status, _, body = _ask(address, f"/api/save/{number}", cookie=cookie, body={})
        assert status == 200
        written = json.loads(body)
        assert written["scenario"] == f"demo-explore-{number}-2.yaml"
        assert earlier.read_text() == "# saved before\n"
        for key in ("scenario", "results", "report"):
            path = (scenario.parent / written[key]).resolve()
            assert path.exists()
            assert path.is_relative_to(scenario.parent.resolve())
        state = json.loads(_ask(address, "/api/state", cookie=cookie)[2])
        assert state["configurations"][number]["saved"][0] == written["scenario"]
        status, _, body = _ask(address, "/api/cancel/99", cookie=cookie, body={})
        assert status == 404
        assert json.loads(body)["error"] == "error: no configuration 99"


@pytest.mark.integration
def test_ctrl_c_stops_the_command_cleanly(scenario: Path) -> None:
    command = [sys.executable, "-m", "simulator", "explore", str(scenario), "--no-browser"]
    command += ["-n", str(REPLICATIONS), "--first", str(FIRST), "--threads", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "http://127.0.0.1:" in line, line + (process.stderr.read() if process.stderr else "")
        url = line.split()[-1]
        address, _, query = url.removeprefix("http://").partition("/")
        assert _ask(address, "/" + query)[0] == 303
        assert _ask(address, "/")[0] == 403
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "stopped" in out
    assert "Traceback" not in err


def test_a_host_other_than_loopback_is_warned_about(
    scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulator.explore import serve

    live = Session(scenario, replications=1, first=1)
    # An address this machine does not have: nothing listens, after the warning.
    with pytest.raises(UsageError, match=r"cannot listen on 192\.0\.2\.1 port 0: .*assign"):
        serve(live, host="192.0.2.1", open_browser=False)
    assert "warning: listening on 192.0.2.1" in capsys.readouterr().err


def test_a_port_already_taken_is_refused_with_what_to_do(
    scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        port = taken.getsockname()[1]
        assert main(["explore", str(scenario), "--port", str(port), "--no-browser"]) == 2
    finally:
        taken.close()
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot listen on 127.0.0.1 port {port}: ")
    assert "--port 0 takes a free port" in err
    assert "Traceback" not in err


# --- in a browser -----------------------------------------------------------------------------


def test_the_page_shows_what_compare_computes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    writing_docs = bool(os.environ.get("REELSIM_WRITE_DOCS"))
    name, change, n = ("demo.yaml", CHANGE, REPLICATIONS)
    if writing_docs:
        name, change, n = ("season-hybrid.yaml", "teams.supervisors.shifts.0.people=1", 200)
    scenario = _scenario_folder(tmp_path, name)
    path, value = change.split("=")
    live = Session(scenario, replications=n, first=min(FIRST * 2, n))
    try:
        with (
            started_chromium() as browser,
            _serving(live) as address,
            opened(browser, f"http://{address}/?token={TOKEN}") as tab,
        ):
            tab.wait_until("document.querySelector('#status').dataset.state === 'done'")
            # A bad change is refused in the page, in the command line's words.
            tab.evaluate(
                f"document.querySelector('#free').value = '{BAD}';"
                " document.querySelector('#try').click()"
            )
            problem = tab.wait_until("document.querySelector('#problem').textContent")
            tab.evaluate("document.querySelector('#free').value = ''")
            tab.evaluate(
                f"(() => {{ const i = document.querySelector('[name=\"{path}\"]');"
                f" i.value = '{value}'; i.dispatchEvent(new Event('input', {{bubbles: true}}));"
                " document.querySelector('#try').click(); })()"
            )
            done = (
                "(() => { const s = document.querySelector('#status').dataset;"
                f" return s.id === '1' && s.state === 'done' && s.replications === '{n}'; }})()"
            )
            tab.wait_until(done)
            rows = tab.evaluate(
                "[...document.querySelectorAll('tr[data-quantity]')].map((r) =>"
                " [r.dataset.quantity, r.dataset.value, r.cells[3].textContent])"
            )
            for k in (0, 1):  # tick both configurations of the history: side by side
                tab.evaluate(f"document.querySelectorAll('#history-table input')[{k}].click()")
            pair = tab.wait_until("document.querySelector('#side-by-side caption')?.textContent")
            # The figures over the season: this configuration's and the baseline's, drawn.
            figures = tab.wait_until(
                "(() => { const f = ['#season-this', '#season-baseline'].map((s) =>"
                " document.querySelector(s)); const ok = f.every((x) => !x.hidden &&"
                " x.querySelector('img').complete && x.querySelector('img').naturalWidth > 0);"
                " return ok && f.map((x) => [x.dataset.id, x.dataset.resources]); })()"
            )
            seen = tab.seen()
            if writing_docs:
                (ROOT / "docs" / "explore.png").write_bytes(tab.screenshot())
                tab.evaluate("document.querySelector('#over-season').scrollIntoView()")
                (ROOT / "docs" / "explore-season.png").write_bytes(tab.screenshot())
    finally:
        live.close()
    expected = _compared(scenario, change, n, live.seed, tmp_path / "compare")
    shown = {quantity: (float(v), text) for quantity, v, text in rows}
    for quantity, group in (("p_any_miss", "chance"), ("cost_total", "cost")):
        row = expected.row(quantity)
        say = DIFFERENCES[group]
        assert shown[quantity][0] == row["difference"]
        assert shown[quantity][1] == (
            f"{say(row['difference'])} ({say(row['low'])} – {say(row['high'])})"
        )
    assert pair == "Side by side: #0 and #1"
    names = compile_season(load_scenario(scenario)).labels()
    shown_resources = "|".join(names[k] for k in live.configurations[1].season["numbers"])  # type: ignore[index]
    assert figures == [["1", shown_resources], ["0", shown_resources]]
    assert main(["validate", str(scenario), "--set", BAD]) == 2
    assert problem == capsys.readouterr().err.strip()
    assert seen.errors == []
    assert seen.requests
    assert all(u.startswith(f"http://{address}/") for u in seen.requests)
    assert seen.layout == []
    assert load_scenario(scenario).name in seen.text
