"""The columnar path against pyarrow reading, the pure CLI and csv.reader, in one run.

    .venv/bin/python benchmarks/bench_columnar.py [rows] [--quick]

On a generated ServiceNow-shaped export (default 120,000 rows; ``--quick``: 20,000), best
of 3: pyarrow reading the four columns alone, ``evaluate_columnar`` alone, the CLI on
the columnar engine (``sla-report --engine columnar``, in-process, end to end), the pure
CLI (``--engine pure --jobs 1``) and ``csv.reader`` reading the file alone.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.csv as pcsv

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "cli"))
from servicenow_export import write_export

from itsm_core.cli import main
from itsm_core.cli.columnar import evaluate_columnar
from itsm_core.cli.policyfile import load_demo_policy

ROLES = {"ticket": "number", "at": "sys_updated_at", "state": "incident_state",
         "priority": "priority"}


def best(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        with open(path, "w", newline="") as out:
            write_export(out, rows=rows)
        policy_path = Path(tmp) / "policy.json"
        policy_path.write_text((Path(__file__).parents[1] / "src" / "itsm_core" / "demo"
                                / "policy.json").read_text())
        policy = load_demo_policy()
        london = ZoneInfo("Europe/London")
        names = list(ROLES.values())

        def arrow() -> None:
            pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(
                include_columns=names, column_types={n: pa.string() for n in names}),
                parse_options=pcsv.ParseOptions(invalid_row_handler=lambda r: "skip"))

        def columnar() -> None:
            evaluate_columnar(str(path), policy, roles=ROLES, tz=london)

        def cli(engine: str) -> Callable[[], None]:
            def run_cli() -> None:
                main(["sla-report", str(path), "--policy", str(policy_path), "--tz",
                      "Europe/London", "--jobs", "1", "--quiet", "--engine", engine,
                      "--output", str(Path(tmp) / engine)])
            return run_cli

        def reader() -> None:
            with open(path, newline="") as f:
                for _ in csv.reader(f):
                    pass

        figures = {"pyarrow read (4 columns)": best(arrow), "evaluate_columnar": best(columnar),
                   "CLI --engine columnar": best(cli("columnar")),
                   "pure CLI --jobs 1": best(cli("pure"), 2), "csv.reader alone": best(reader)}
        same = (Path(tmp) / "columnar").read_bytes() == (Path(tmp) / "pure").read_bytes()
    base = figures["pyarrow read (4 columns)"]
    print(f"{rows:,} rows")
    for name, seconds in figures.items():
        print(f"  {name:26} {seconds:7.3f} s  {seconds / base:5.1f}x pyarrow")
    print(f"  reports byte-identical: {same}; pure CLI / columnar CLI: "
          f"{figures['pure CLI --jobs 1'] / figures['CLI --engine columnar']:.2f}x")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    run(20_000 if "--quick" in sys.argv else int(args[0]) if args else 120_000)
