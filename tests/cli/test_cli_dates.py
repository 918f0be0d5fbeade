"""Slash dates are never guessed per value: one order per column, decided from all of it."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from servicenow_export import write_export

from itsm_core.cli import main
from itsm_core.cli.timeparse import DAY_FIRST, MONTH_FIRST, date_order, make_time_parser
from itsm_core.errors import InvalidArgumentError

REPO = Path(__file__).resolve().parents[2]
POLICY = str(REPO / "docs" / "examples" / "servicenow-policy.json")
HEADER = "number,incident_state,sys_updated_at,priority\n"
UTC = timezone.utc


def run(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["sla-report", str(path), "--policy", POLICY, "--tz", "UTC", *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def export(tmp_path: Path, rows: list[str], name: str = "e.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


minutes = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0))


class TestOneValue:
    @given(minutes)
    def test_a_value_says_only_what_its_fields_say(self, d: datetime) -> None:
        day_first = f"{d.day}/{d.month}/{d.year:04d} {d.hour:02d}:{d.minute:02d}"
        month_first = f"{d.month}/{d.day}/{d.year:04d} {d.hour:02d}:{d.minute:02d}"
        if d.day > 12:
            assert (date_order(day_first), date_order(month_first)) == (DAY_FIRST, MONTH_FIRST)
        elif d.day == d.month:
            assert date_order(day_first) is None
        else:
            assert date_order(day_first) == date_order(month_first) == "ambiguous"

    @given(minutes.map(lambda d: d.replace(second=d.minute % 60)))
    def test_us_twelve_hour_form_reads_as_strptime(self, d: datetime) -> None:
        text = d.strftime("%m/%d/%Y %I:%M:%S %p") if d.year >= 1000 else None
        if text is None:
            return
        expected = datetime.strptime(text, "%m/%d/%Y %I:%M:%S %p").replace(tzinfo=UTC)
        assert make_time_parser(None, UTC, order=MONTH_FIRST)(text) == expected

    def test_servicenow_us_example(self) -> None:
        parse = make_time_parser(None, UTC, order=MONTH_FIRST)
        assert parse("02/29/2016 01:23:00 AM") == datetime(2016, 2, 29, 1, 23, tzinfo=UTC)
        assert parse("02/29/2016 12:00:00 AM") == datetime(2016, 2, 29, 0, 0, tzinfo=UTC)
        assert parse("02/29/2016 12:30:00 PM") == datetime(2016, 2, 29, 12, 30, tzinfo=UTC)
        for bad in ("02/29/2016 13:00:00 PM", "02/29/2016 00:10:00 AM"):
            with pytest.raises(InvalidArgumentError):
                parse(bad)

    def test_order_is_checked(self) -> None:
        with pytest.raises(InvalidArgumentError, match="order"):
            make_time_parser(None, UTC, order="year-first")


class TestColumn:
    def test_month_first_column_is_read_month_first(self, capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
        """3/4/2016 is 4 March once 3/25/2016 shows the column is month-first (it was read
        as 3 April, and 3/25/2016 skipped, with exit 0)."""
        path = export(tmp_path, ["INC1,New,3/4/2016 09:00,1 - Critical",
                                 "INC1,Resolved,3/4/2016 12:00,1 - Critical",
                                 "INC2,New,3/25/2016 09:00,1 - Critical"])
        code, out, err = run(capsys, path, "--format", "json", "--by", "definition,ticket")
        assert code == 0, err
        data = json.loads(out)
        assert data["skipped"] == []
        resolution = {r["ticket"]: r for r in data["rows"] if r["definition"] == "resolution"}
        assert resolution["INC1"]["mean_elapsed"] == "PT3H"  # 4 March is a Friday: 09-12
        assert set(resolution) == {"INC1", "INC2"}

    def test_us_export_gives_the_day_first_report(self, capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
        """The same export written in ServiceNow's US form reads to the same report."""
        for name, us in (("uk.csv", False), ("us.csv", True)):
            with (tmp_path / name).open("w", encoding="utf-8", newline="") as out:
                write_export(out, rows=1_500, noise=False, us_dates=us)
        as_of = ("--as-of", "2016-07-01T00:00:00+01:00", "--format", "json")
        uk = run(capsys, tmp_path / "uk.csv", *as_of)
        us = run(capsys, tmp_path / "us.csv", *as_of)
        assert uk[0] == us[0] == 0
        assert json.loads(us[1])["rows"] == json.loads(uk[1])["rows"]
        assert json.loads(us[1])["rows"]

    def test_undecidable_column_asks_for_time_format(self, capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
        path = export(tmp_path, ["INC1,New,2016-03-01T09:00Z,1 - Critical",
                                 "INC1,Active,1/3/2016 10:00,1 - Critical",
                                 "INC1,Resolved,2/3/2016 10:00,1 - Critical"])
        code, out, err = run(capsys, path)
        assert (code, out) == (2, "")
        assert "--time-format" in err and "line 3" in err and "'1/3/2016 10:00'" in err
        # said once, it is read: the ISO row becomes unreadable under a strptime format
        code, out, err = run(capsys, path, "--time-format", "%d/%m/%Y %H:%M", "--format",
                             "json")
        assert code == 0, err
        assert [s["line"] for s in json.loads(out)["skipped"] if "line" in s] == [2]

    def test_a_date_against_the_column_names_its_row(self, capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
        path = export(tmp_path, ["INC1,New,25/3/2016 09:00,1 - Critical",
                                 "INC1,Active,4/3/2016 10:00,1 - Critical",
                                 "INC2,New,3/26/2016 10:00,1 - Critical"])
        code, out, err = run(capsys, path)
        assert (code, out) == (2, "")
        assert "line 4" in err and "'3/26/2016 10:00' is month-first" in err
        assert "day-first from line 2" in err

    def test_dates_that_read_alike_need_no_order(self, capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
        path = export(tmp_path, ["INC1,New,4/4/2016 09:00,1 - Critical",
                                 "INC1,Resolved,4/4/2016 11:00,1 - Critical"])
        assert run(capsys, path)[0] == 0

    @pytest.mark.parametrize("late", ["3/25/2016 09:00", "25/3/2016 09:00"])
    def test_decided_once_for_every_jobs(self, capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path, late: str) -> None:
        """The deciding date comes after 10,000 ambiguous rows (chunks are sent while the
        file is read): every --jobs reads the column in the one order, or fails alike."""
        rows = [f"INC{i // 4},{('New', 'Active', 'Active', 'Resolved')[i % 4]},"
                f"{1 + i % 12}/{1 + (i // 4) % 12}/2016 {8 + i % 4:02d}:00,1 - Critical"
                for i in range(12_000)]
        rows.append(f"INC9999,New,{late},1 - Critical")
        path = export(tmp_path, rows)
        one = run(capsys, path, "--by", "definition,stage", "--format", "json")
        assert one[0] == 0
        for jobs in ("2", "3"):
            assert run(capsys, path, "--by", "definition,stage", "--format", "json",
                       "--jobs", jobs) == one
        rows.append("INC9998,New," + ("25/3/2016 09:00" if late.startswith("3/") else
                                      "3/25/2016 09:00") + ",1 - Critical")
        path = export(tmp_path, rows, "both.csv")
        one = run(capsys, path)
        assert one[0] == 2 and "line 12003" in one[2]
        assert run(capsys, path, "--jobs", "2") == one
