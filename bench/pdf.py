"""The night PDF with the fonts parsed once per process, against parsing them per document.

Seeds the morning's night of `bench/review.py --years` (a district of 60 properties, 150
check-ins, 15 reports, 20 photos with real JPEG files, 2 SOS, and the night before), then
fetches /review/nights/<night>.pdf N times each way, alternating in one process so the
machine's noise hits both: "parse each time" is fpdf2's `add_font` for every document (the
code before patrol.pdf.body_fonts), "parsed once" is the code as it is. Prints the medians
and the ratio, against the desk's 100 ms target. With --profile, the top of a cProfile of
the current code.

    .venv/bin/python bench/pdf.py [--runs 15] [--database-url URL --reset] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.review import PASSWORD, make_app  # noqa: E402
from bench.years import LAST, STOCKHOLM, TARGET_MS, fill, reset_database  # noqa: E402


def timed(client, url: str) -> tuple[float, float]:
    """(wall ms, this process's CPU ms) of one request: the CPU time is less disturbed by the
    other work on a shared machine (the database's own time is not in it, the same both ways)."""
    wall, cpu = time.perf_counter(), time.process_time()
    client.get(url).get_data()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def parse_each_time(pdf, regular, bold) -> None:
    """What NightPdf did before: fpdf2 parses both TTF files for every document."""
    pdf.add_font("Body", "", str(regular))
    pdf.add_font("Body", "B", str(bold or regular))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url")
    parser.add_argument("--reset", action="store_true", help="empty the database first")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    import logging

    from patrol import pdf
    from patrol.db import set_clock

    if pdf.find_font() is None:
        raise SystemExit("no DejaVu Sans (fonts-dejavu-core): the core font parses nothing")
    if args.database_url and args.reset:
        reset_database(args.database_url)
    morning = datetime.combine(LAST + timedelta(days=1), clock_time(7, 30), STOCKHOLM)
    with tempfile.TemporaryDirectory(prefix="pdf-bench-") as tmp:
        app = make_app(Path(tmp), args.database_url)
        logging.getLogger("patrol.requests").setLevel(logging.WARNING)
        set_clock(app, morning.astimezone(UTC))
        client, url = fill(app, Path(tmp), PASSWORD, 0)["night PDF"]
        parsed_once = pdf.body_fonts
        ways = {"parse each time": parse_each_time, "parsed once": parsed_once}
        times: dict[str, list[float]] = {name: [] for name in ways}
        cpu: dict[str, list[float]] = {name: [] for name in ways}
        sizes = {}
        for name, way in ways.items():  # warm-up: caches, the first parse
            pdf.body_fonts = way
            sizes[name] = len(client.get(url).get_data())
        for _ in range(args.runs):
            for name, way in ways.items():
                pdf.body_fonts = way
                wall_ms, cpu_ms = timed(client, url)
                times[name].append(wall_ms)
                cpu[name].append(cpu_ms)
        pdf.body_fonts = parsed_once
        old, new = (statistics.median(times[name]) for name in ways)
        old_cpu, new_cpu = (statistics.median(cpu[name]) for name in ways)
        print(
            f"\n{'night PDF':<18}{'median ms':>10}{'min ms':>9}{'vs 100 ms':>11}"
            f"{'CPU ms':>9}{'bytes':>9}"
        )
        for name in ways:
            median = statistics.median(times[name])
            print(
                f"{name:<18}{median:>10.1f}{min(times[name]):>9.1f}"
                f"{median / TARGET_MS:>10.2f}x{statistics.median(cpu[name]):>9.1f}{sizes[name]:>9}"
            )
        print(f"ratio (parsed once / each time): {new / old:.2f} wall, {new_cpu / old_cpu:.2f} CPU")
        print(f"({args.runs} requests each way, alternating; server time in-process)")
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(5):
                client.get(url).get_data()
            profile.disable()
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out)
            stats.sort_stats("cumulative").print_stats(r"patrol|_add_fonts|subset/__init__", 25)
            print(out.getvalue())


if __name__ == "__main__":
    main()
