"""The night PDF as it is against the code before it was made fast, in one process.

Seeds the morning's night of `bench/review.py --years` (a district of 60 properties, 150
check-ins, 15 reports, 20 photos with real JPEG files, 2 SOS, and the night before), then
fetches /review/nights/<night>.pdf N times each way, alternating so the machine's noise hits
both: "before" is patrol/pdf.py as it was at --before (default 126b9fa: fpdf2's `cell` for
every line, the font subset read from a 1,300-glyph program, Babel for every time of day),
loaded beside the current module and swapped in for the night PDF; "now" is the code as it
is. Prints the medians (wall and this process's CPU), their ratio, the PDF sizes and whether
the two PDFs read the same (PDFium's text), against the desk's 100 ms target. With
--profile, the top of a cProfile of the current code.

    .venv/bin/python bench/pdf.py [--runs 25] [--before REF] [--database-url URL --reset]
        [--profile]
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


def code_before(ref: str):
    """patrol/pdf.py as it was at `ref`, as its own module (the rest of the app is shared)."""
    import importlib.util
    import subprocess

    source = subprocess.run(
        ["git", "show", f"{ref}:patrol/pdf.py"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    spec = importlib.util.spec_from_loader("bench_pdf_before", loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    exec(compile(source, f"{ref}:patrol/pdf.py", "exec"), module.__dict__)  # noqa: S102
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--before", default="126b9fa", help="git ref of the code before")
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
        from patrol import nights
        from patrol.review import export_pdf
        from tests.support.pdf import pdf_text

        before = code_before(args.before)
        now_pdf, numeric = export_pdf.NightPdf, nights.NUMERIC_PATTERNS

        def use(way: str) -> None:
            old = way == "before"
            export_pdf.NightPdf = before.NightPdf if old else now_pdf
            nights.NUMERIC_PATTERNS = {} if old else numeric  # {}: Babel for every time

        ways = ("before", "now")
        times: dict[str, list[float]] = {name: [] for name in ways}
        cpu: dict[str, list[float]] = {name: [] for name in ways}
        sizes, texts = {}, {}
        for name in ways:  # warm-up: caches, the first parse
            use(name)
            data = client.get(url).get_data()
            sizes[name], texts[name] = len(data), pdf_text(data)
        for _ in range(args.runs):
            for name in ways:
                use(name)
                wall_ms, cpu_ms = timed(client, url)
                times[name].append(wall_ms)
                cpu[name].append(cpu_ms)
        use("now")
        old, new = (statistics.median(times[name]) for name in ways)
        old_cpu, new_cpu = (statistics.median(cpu[name]) for name in ways)
        print(
            f"\n{'night PDF':<18}{'median ms':>10}{'min ms':>9}{'vs 100 ms':>11}"
            f"{'CPU ms':>9}{'bytes':>9}"
        )
        for name in ways:
            median = statistics.median(times[name])
            label = f"before {args.before}" if name == "before" else "now"
            print(
                f"{label:<18}{median:>10.1f}{min(times[name]):>9.1f}"
                f"{median / TARGET_MS:>10.2f}x{statistics.median(cpu[name]):>9.1f}{sizes[name]:>9}"
            )
        print(f"ratio (now / before): {new / old:.2f} wall, {new_cpu / old_cpu:.2f} CPU")
        print(f"the same text: {texts['before'] == texts['now']} ({len(texts['now'])} characters)")
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
