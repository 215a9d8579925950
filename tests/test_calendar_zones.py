"""Calendars as people live them: time zones with daylight saving, public holidays.

The loader turns zones and holidays into the head-count steps in hours that both engines
receive (DESIGN §1b "Calendar"). Every expected step below is worked by hand in its
comment: UTC moments of the local times, minus t = 0.

US daylight saving in 2027: spring forward Sunday 14 March at 02:00 PST (-8) to 03:00 PDT
(-7); fall back Sunday 7 November at 02:00 PDT to 01:00 PST.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import holidays
import pytest
import yaml

from kernels import cpu
from simulator import compile_season, load_scenario
from simulator.calendar import (
    check_country,
    check_time_zone,
    date_at,
    headcount_changes,
    hours_at,
)
from simulator.engines.kernel import run_batch
from simulator.engines.reference.engine import run_replication
from simulator.engines.trace import TraceEvent
from simulator.plots import RunView, delivery_plot
from simulator.report.words import SeasonCalendar
from simulator.results.runs import simulate
from simulator.results.status_export import status_from_trace
from simulator.results.work import Work
from simulator.scenario import load_yaml
from simulator.scenario.load import parse_scenario
from simulator.scenario.schema import Calendar, PublicHolidays, Team
from simulator.testing.agreement import result_difference

ROOT = Path(__file__).resolve().parents[1]
TWO_SITES = ROOT / "scenarios" / "examples" / "two-sites.yaml"
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def team(*shifts: dict[str, Any], **fields: Any) -> Team:
    return Team.model_validate({"shifts": list(shifts), "hourly_rate": 1, **fields})


def shift(start: str, end: str, days: list[str], people: int = 1) -> dict[str, Any]:
    return {"start": start, "end": end, "days": days, "people": people}


# The season starts Friday 12 March 2027 in Los Angeles: t = 0 is 00:00 PST = 08:00 UTC.
# 7 November is 240 days later (19 days to 31 March, then 30 + 31 + 30 + 31 + 31 + 30 +
# 31 for April to October, then 7), so 00:00 UTC of 7 November is t = 240 × 24 - 8 = 5752.
LA = Calendar.model_validate({"start": "2027-03-12", "time_zone": "America/Los_Angeles"})
UNTIL = 245 * 24.0


def test_a_day_shift_is_eight_hours_on_both_change_days() -> None:
    steps = headcount_changes(team(shift("09:00", "17:00", EVERY_DAY, 2)), LA, UNTIL)
    assert steps[:9] == [
        (0.0, 0),
        (9.0, 2),  # Fri 12 Mar 09:00 PST = 17:00 UTC: 9 h after 08:00 UTC
        (17.0, 0),  # 17:00 PST
        (33.0, 2),  # Sat 13 Mar 09:00 PST: 24 + 9
        (41.0, 0),
        (56.0, 2),  # Sun 14 Mar 09:00 PDT = 16:00 UTC: 48 + 16 - 8 (not 57: an hour less)
        (64.0, 0),  # 17:00 PDT = 00:00 UTC on the 15th: 72 - 8; still 8 hours
        (80.0, 2),  # Mon 15 Mar 09:00 PDT = 16:00 UTC: 72 + 8
        (88.0, 0),
    ]
    # Sun 7 Nov 09:00 PST = 17:00 UTC: 5752 + 17 = 5769; 17:00 PST = 01:00 UTC: 5777.
    # The day before, 09:00 PDT = 16:00 UTC on 6 Nov: 5752 - 24 + 16 = 5744, to 5752.
    # The day after, Mon 8 Nov 09:00 PST = 17:00 UTC: 5752 + 24 + 17 = 5793, to 5801.
    autumn = [s for s in steps if 5740.0 <= s[0] <= 5810.0]
    assert autumn == [
        (5744.0, 2),
        (5752.0, 0),
        (5769.0, 2),
        (5777.0, 0),
        (5793.0, 2),
        (5801.0, 0),
    ]


def test_a_night_shift_across_a_change_lasts_its_real_length() -> None:
    steps = headcount_changes(team(shift("22:00", "06:00", ["sat"])), LA, UNTIL)
    # Sat 13 Mar 22:00 PST = 06:00 UTC on the 14th: 48 + 6 - 8 = 46.
    # Sun 14 Mar 06:00 PDT = 13:00 UTC: 48 + 13 - 8 = 53. Seven hours.
    assert steps[:3] == [(0.0, 0), (46.0, 1), (53.0, 0)]
    # Sat 20 Mar 22:00 PDT = 05:00 UTC on the 21st: 9 × 24 + 5 - 8 = 213; Sun 06:00 PDT
    # = 13:00 UTC: 221. Eight hours.
    assert steps[3:5] == [(213.0, 1), (221.0, 0)]
    # Sat 6 Nov 22:00 PDT = 05:00 UTC on the 7th: 5752 + 5 = 5757; Sun 7 Nov 06:00 PST
    # = 14:00 UTC: 5752 + 14 = 5766. Nine hours.
    assert [s for s in steps if 5700.0 <= s[0] <= 5800.0] == [(5757.0, 1), (5766.0, 0)]


def test_wall_times_skipped_or_repeated_by_a_change() -> None:
    steps = headcount_changes(
        team(shift("02:30", "04:00", ["sun"]), shift("01:30", "03:00", ["sun"])), LA, UNTIL
    )
    # 14 Mar: 01:30 PST = 09:30 UTC: 48 + 9.5 - 8 = 49.5. 02:30 does not exist; it is read
    # with the offset before the change (PST): 10:30 UTC = 03:30 PDT, t = 50.5, which is
    # also when the first shift's 03:00 PDT = 10:00 UTC (t = 50) has passed. 04:00 PDT =
    # 11:00 UTC: t = 51.
    assert steps[:4] == [(0.0, 0), (49.5, 1), (50.0, 0), (50.5, 1)]
    assert steps[4] == (51.0, 0)
    # 7 Nov: 01:30 happens twice; the first (PDT, 08:30 UTC) counts: 5752 + 8.5 = 5760.5.
    # 02:30 PST = 10:30 UTC: 5762.5; 03:00 PST = 11:00 UTC: 5763; 04:00 PST: 5764.
    autumn = [s for s in steps if 5700.0 <= s[0] <= 5800.0]
    assert autumn == [(5760.5, 1), (5762.5, 2), (5763.0, 1), (5764.0, 0)]


def test_a_fixed_offset_ignores_daylight_saving() -> None:
    steps = headcount_changes(
        team(shift("09:00", "17:00", ["sun"]), utc_offset_hours=-8), LA, UNTIL
    )
    # 09:00 at UTC-8 on 14 Mar = 17:00 UTC: 48 + 17 - 8 = 57 (PST's hour, all year).
    assert steps[:3] == [(0.0, 0), (57.0, 1), (65.0, 0)]


def test_dates_and_deadlines_are_in_the_calendars_zone() -> None:
    # A deadline of 15 Mar is 24:00 PDT = 07:00 UTC on the 16th: 96 - 1 = 95 h after t = 0.
    assert hours_at(LA, date(2027, 3, 15), end_of_day=True) == 95.0
    # A lock of 15 Mar is 00:00 PDT (the change was the day before): 72 - 1 = 71.
    assert hours_at(LA, date(2027, 3, 15)) == 71.0
    assert hours_at(LA, datetime(2027, 3, 15, 9, 0)) == 80.0  # 09:00 PDT, as in the shifts
    assert date_at(LA, 95.0) == datetime(2027, 3, 16, 0, 0)
    utc = Calendar.model_validate({"start": "2027-03-12"})
    assert hours_at(utc, date(2027, 3, 15), end_of_day=True) == 96.0


def test_a_moment_in_the_repeated_hour_keeps_its_offset() -> None:
    # 7 Nov 09:30 UTC is t = 5752 + 9.5 = 5761.5: 01:30 PST, the second 01:30 that day.
    second = date_at(LA, 5761.5, aware=True)
    assert second.isoformat() == "2027-11-07T01:30:00-08:00"
    assert hours_at(LA, second) == 5761.5
    # Written without its offset, the wall-clock time reads back as the first 01:30
    # (PDT), an hour earlier: so a status file carries the offset.
    text = date_at(LA, 5761.5).isoformat()
    assert hours_at(LA, datetime.fromisoformat(text)) == 5760.5
    assert hours_at(LA, datetime.fromisoformat(second.isoformat())) == 5761.5


def test_a_team_works_in_the_calendars_zone_unless_it_names_its_own() -> None:
    manila = team(shift("09:00", "18:00", ["mon"]), time_zone="Asia/Manila")
    # Mon 15 Mar 09:00 in Manila (UTC+8, no daylight saving) = 01:00 UTC: 72 + 1 - 8 = 65.
    assert headcount_changes(manila, LA, 100.0)[:3] == [(0.0, 0), (65.0, 1), (74.0, 0)]
    local = team(shift("09:00", "18:00", ["mon"]))
    # Mon 15 Mar 09:00 PDT = 16:00 UTC: 72 + 16 - 8 = 80.
    assert headcount_changes(local, LA, 100.0)[:2] == [(0.0, 0), (80.0, 1)]


# --- public holidays -------------------------------------------------------------------

# A Manila team's week from Monday 5 April 2027; the calendar is UTC, so t = 0 is 00:00
# UTC and Manila's 09:00 is 01:00 UTC.
APRIL = Calendar.model_validate({"start": "2027-04-05"})
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def test_the_package_names_the_holiday_the_test_relies_on() -> None:
    ph = holidays.country_holidays("PH", years=2027)
    assert "Day of Valor" in ph.get_list(date(2027, 4, 9))  # Araw ng Kagitingan, a Friday


def test_a_countrys_public_holidays_drop_shifts() -> None:
    qc = {"time_zone": "Asia/Manila"}
    with_ph = team(shift("09:00", "18:00", WEEKDAYS), holidays={"country": "PH"}, **qc)
    steps = headcount_changes(with_ph, APRIL, 8 * 24.0)
    # Mon-Thu 5-8 Apr 09:00-18:00 Manila = 01:00-10:00 UTC: days 0-3. Fri 9 Apr (Day of
    # Valor) would be 97-106: dropped. Mon 12 Apr: 7 × 24 + 1 = 169.
    assert steps == [
        (0.0, 0),
        (1.0, 1),
        (10.0, 0),
        (25.0, 1),
        (34.0, 0),
        (49.0, 1),
        (58.0, 0),
        (73.0, 1),
        (82.0, 0),
        (169.0, 1),
        (178.0, 0),
    ]
    without = headcount_changes(team(shift("09:00", "18:00", WEEKDAYS), **qc), APRIL, 8 * 24.0)
    assert [s for s in without if s not in steps] == [(97.0, 1), (106.0, 0)]


def test_a_regions_holidays_and_own_dates_add_to_the_calendars() -> None:
    march = Calendar.model_validate({"start": "2027-03-29", "holidays": ["2027-03-30"]})
    ca = team(
        shift("09:00", "17:00", WEEKDAYS),
        holidays={"country": "US", "subdivision": "CA", "dates": ["2027-04-01"]},
    )
    # UTC calendar and team: Mon 29 Mar 9-17; Tue 30 (the calendar's) off; Wed 31 Mar
    # (Cesar Chavez Day, California) off; Thu 1 Apr (the team's own) off; Fri 2 Apr
    # 4 × 24 + 9 = 105 to 113.
    steps = headcount_changes(ca, march, 5 * 24.0)
    assert steps == [(0.0, 0), (9.0, 1), (17.0, 0), (105.0, 1), (113.0, 0)]
    us = team(shift("09:00", "17:00", WEEKDAYS), holidays={"country": "US"})
    # The whole country does not take Cesar Chavez Day: Wed 31 Mar is 2 × 24 + 9 = 57.
    assert (57.0, 1) in headcount_changes(us, march, 5 * 24.0)


def test_season_hybrid_takes_the_us_federal_holidays_it_used_to_list() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "season-hybrid.yaml")
    assert (
        scenario.calendar.holidays
        == Calendar.model_validate({"start": "2027-01-04", "holidays": {"country": "US"}}).holidays
    )
    in_season = sorted(
        d
        for d in holidays.country_holidays("US", years=2027)
        if date(2027, 1, 4) <= d <= date(2027, 10, 31) and d.weekday() < 5
    )
    # The seven weekdays the scenario listed by hand before it named the country.
    assert [d.isoformat() for d in in_season] == [
        "2027-01-18",
        "2027-02-15",
        "2027-05-31",
        "2027-06-18",
        "2027-07-05",
        "2027-09-06",
        "2027-10-11",
    ]


# --- both engines ----------------------------------------------------------------------


@pytest.mark.skipif(not cpu.available(), reason="the CPU kernel is not built")
def test_both_engines_agree_on_teams_in_two_zones() -> None:
    model = compile_season(load_scenario(TWO_SITES))
    manila = next(t for t in model.teams if t.name == "manila_qc")
    # Mon 15 Mar 09:00 Manila = 01:00 UTC; t = 0 is 08:00 UTC on 8 Mar: 7 × 24 - 7 = 161.
    assert (161.0, 1) in manila.headcount
    replications = range(8)
    kernel = run_batch(model, replications, threads=1)
    for rep, ker in zip(replications, kernel, strict=True):
        found = result_difference(run_replication(model, rep), ker, ("reference", "kernel"))
        assert found is None, found


def test_the_two_sites_example_survives_a_round_trip() -> None:
    scenario = load_scenario(TWO_SITES)
    text = yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False)
    data, positions = load_yaml(text, "round-trip.yaml")
    again = parse_scenario(data, positions, source="round-trip.yaml", base_dir=TWO_SITES.parent)
    assert again == scenario
    assert again.teams["manila_qc"].holidays == PublicHolidays(country="PH")


def test_the_report_gives_times_in_the_calendars_zone() -> None:
    scenario = load_scenario(TWO_SITES)
    deadline = compile_season(scenario).episodes[2].deadline
    # 9 Apr 24:00 PDT = 07:00 UTC on the 10th; t = 0 is 08:00 UTC on 8 Mar: 33 × 24 - 1.
    assert deadline == 791.0
    cal = SeasonCalendar(scenario.calendar.start, scenario.calendar)
    assert cal.moment(deadline, deadline=True) == "Fri 09 Apr 2027 24:00"
    assert cal.moment(56.0) == "Wed 10 Mar 2027 08:00"  # before the change: PST
    assert cal.moment(176.0) == "Mon 15 Mar 2027 09:00"  # after it: PDT


def test_the_plots_date_their_axes_in_the_calendars_zone() -> None:
    run = simulate(load_scenario(TWO_SITES), Work(replications=2, seed=1))
    figure = delivery_plot(RunView.of_run(run))
    labels = [ax.get_xlabel() for ax in figure.axes if ax.get_xlabel()]
    assert labels
    assert all("(date, America/Los_Angeles)" in label for label in labels), labels


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("america/new_york", "did you mean 'America/New_York'?"),
        ("Tokyo", "did you mean 'Asia/Tokyo'?"),
        # The machine's own setting would make the scenario mean different things on
        # different machines; a folder of the zone database is not a zone.
        ("localtime", "unknown time zone 'localtime'"),
        ("Europe", "unknown time zone 'Europe'"),
        ("Nowhere/" + "x" * 300, "unknown time zone"),
    ],
)
def test_an_unknown_zone_is_refused_with_the_zone_meant(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        check_time_zone(name)


@pytest.mark.parametrize(
    ("code", "meant"), [("ph", "PH"), ("Germany", "DE"), ("United States", "US")]
)
def test_a_country_by_name_or_in_lower_case_suggests_its_code(code: str, meant: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"did you mean {meant!r}?")):
        check_country(code)


def test_a_status_export_of_a_zoned_season_reads_back_its_delivery_times() -> None:
    scenario = load_scenario(TWO_SITES)
    model = compile_season(scenario)
    trace: list[TraceEvent] = []
    result = run_replication(model, 0, trace=trace)
    now = 20 * 24.0
    rows = status_from_trace(model, scenario.calendar, trace, now)
    delivered = {r["episode"]: r["at"] for r in rows if r.get("status") == "delivered"}
    # ep01 is delivered before the change to daylight saving time (PST), ep02 after (PDT).
    assert {episode: text[-6:] for episode, text in delivered.items()} == {
        "ep01": "-08:00",
        "ep02": "-07:00",
    }
    names = [ep.name for ep in model.episodes]
    for episode, text in delivered.items():
        at = hours_at(scenario.calendar, datetime.fromisoformat(text))
        assert at == pytest.approx(result.delivery[names.index(episode)], abs=1e-6)
