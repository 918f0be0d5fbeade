"""The columnar path against pyarrow reading, the pure CLI and csv.reader, in one run.

    .venv/bin/python benchmarks/bench_columnar.py [rows] [--quick] [--columnar-only]

On a generated ServiceNow-shaped export (default 120,000 rows; ``--quick``: 20,000), best
of 3 (wall clock, and CPU time of this process): pyarrow reading the four columns alone,
``evaluate_columnar`` alone, the CLI on the columnar engine (``sla-report --engine
columnar``, in-process, end to end), the pure CLI (``--engine pure --jobs 1``, best of
2) and ``csv.reader`` reading the file alone.  ``--columnar-only`` leaves out the pure
CLI and ``csv.reader`` (for large files: linearity of the columnar path).  First, the
whole command (``python -m itsm_core sla-report FILE --policy servicenow-policy.json --tz
Europe/London``, ``--engine auto``: the columnar engine) runs once in a fresh process:
its wall time and peak memory (``ru_maxrss`` of the child) are printed too.
"""

from __future__ import annotations

import csv
import resource
import subprocess
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


def best(fn: Callable[[], object], runs: int = 3) -> tuple[float, float]:
    """The least wall-clock and the least CPU time of *runs* calls."""
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def run(rows: int, *, columnar_only: bool = False) -> None:
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

        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "itsm_core", "sla-report", str(path), "--policy",
                        str(Path(__file__).parents[1] / "docs" / "examples"
                            / "servicenow-policy.json"), "--tz", "Europe/London", "--quiet",
                        "--output", str(Path(tmp) / "auto")], check=True)
        process = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB -> MiB
        figures = {"pyarrow read (4 columns)": best(arrow), "evaluate_columnar": best(columnar),
                   "CLI --engine columnar": best(cli("columnar"))}
        if not columnar_only:
            figures["pure CLI --jobs 1"] = best(cli("pure"), 2)
            figures["csv.reader alone"] = best(reader)
            same = (Path(tmp) / "columnar").read_bytes() == (Path(tmp) / "pure").read_bytes()
    base, base_cpu = figures["pyarrow read (4 columns)"]
    print(f"{rows:,} rows: the command in a fresh process (--engine auto): {process:.2f} s, "
          f"peak RSS {peak:,.0f} MiB")
    print(f"{rows:,} rows (wall clock, then CPU time; best of 3)")
    for name, (seconds, cpu) in figures.items():
        print(f"  {name:26} {seconds:7.3f} s  {seconds / base:5.1f}x pyarrow   "
              f"cpu {cpu:7.3f} s  {cpu / base_cpu:5.1f}x")
    if not columnar_only:
        print(f"  reports byte-identical: {same}; pure CLI / columnar CLI: "
              f"{figures['pure CLI --jobs 1'][0] / figures['CLI --engine columnar'][0]:.2f}x; "
              f"pure CLI / csv.reader (CPU): "
              f"{figures['pure CLI --jobs 1'][1] / figures['csv.reader alone'][1]:.2f}x")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    run(20_000 if "--quick" in sys.argv else int(args[0]) if args else 120_000,
        columnar_only="--columnar-only" in sys.argv)
