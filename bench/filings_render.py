"""Benchmark the filing renderer (not a test). Run: .venv/bin/python bench/filings_render.py

1. Per-document time of a habeas petition through `Renderer.render` (Jinja + WeasyPrint +
   preflight in a worker process) against WeasyPrint alone on the same HTML in this process.
   Goal: ratio <= 1.25.
2. A batch of 40 petitions (distinct fictional clients) through `render_async` with 1 and with 2
   worker processes. Goal: speed-up >= 1.6 on 2 cores.

Prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from weasyprint import HTML  # noqa: E402

from app.filings.render.pdf import BASE_URL  # noqa: E402
from app.filings.render.renderer import Renderer, render_html  # noqa: E402
from tests.filings.conftest import context_for  # noqa: E402

GIVEN = ["José", "María", "Ana", "Luis", "Kilmar", "Rosa", "Carlos", "Elena", "Jorge", "Sofía"]
SURNAMES = ["Ramírez", "Núñez", "García", "Hernández", "López", "Martínez", "Abrego", "Flores"]


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def per_document(repeat: int) -> tuple[float, float, int]:
    ctx = context_for("habeas_2241")
    html = render_html("habeas_2241", ctx)
    alone = lambda: HTML(string=html, base_url=BASE_URL).write_pdf()  # noqa: E731
    renderer = Renderer(max_workers=1, timeout=120)
    try:
        renderer.start()
        for _ in range(3):
            alone()
            pages = renderer.render("habeas_2241", ctx).pages
        # Interleaved A/B so load from other processes hits both sides alike.
        a, b = [], []
        for _ in range(repeat):
            a.append(_timed(alone))
            b.append(_timed(lambda: renderer.render("habeas_2241", ctx)))
    finally:
        renderer.shutdown()
    return statistics.median(a), statistics.median(b), pages


def batch(workers: int, count: int) -> float:
    contexts = [
        context_for("habeas_2241", given=GIVEN[i % len(GIVEN)], first=SURNAMES[i % len(SURNAMES)],
                    second=SURNAMES[(i * 3 + 1) % len(SURNAMES)], a_number=f"A-0{i:02d}-345-678")
        for i in range(count)
    ]
    renderer = Renderer(max_workers=workers, timeout=300, queue_limit=count, queue_timeout=600)
    try:
        renderer.start()
        for _ in range(workers * 2):  # warm every worker
            renderer.render("habeas_2241", contexts[0])

        async def run() -> list:
            return await asyncio.gather(*(renderer.render_async("habeas_2241", c) for c in contexts))

        start = time.perf_counter()
        results = asyncio.run(run())
        elapsed = time.perf_counter() - start
        assert all(r.preflight["ok"] for r in results)
        return elapsed
    finally:
        renderer.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--batch", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    t_alone, t_renderer, pages = per_document(args.repeat)
    runs1, runs2 = [], []
    for _ in range(args.rounds):  # alternate, keep the best of each (least disturbed)
        runs1.append(batch(1, args.batch))
        runs2.append(batch(2, args.batch))
    t1, t2 = min(runs1), min(runs2)
    ratio = t_renderer / t_alone
    speedup = t1 / t2
    print(f"Habeas petition, {pages} pages; {os.cpu_count()} CPUs; per-document: median of "
          f"{args.repeat} interleaved runs; batches: best of {args.rounds}.\n")
    print("| measurement | value | goal | met |")
    print("|---|---|---|---|")
    print(f"| WeasyPrint alone, per document | {t_alone * 1000:.0f} ms | | |")
    print(f"| Renderer.render (pool, Jinja, preflight), per document | {t_renderer * 1000:.0f} ms | | |")
    print(f"| ratio Renderer / WeasyPrint | {ratio:.2f}x | <= 1.25x | {'yes' if ratio <= 1.25 else 'no'} |")
    print(f"| batch of {args.batch}, 1 worker | {t1:.2f} s ({t1 / args.batch * 1000:.0f} ms/doc) | | |")
    print(f"| batch of {args.batch}, 2 workers | {t2:.2f} s ({t2 / args.batch * 1000:.0f} ms/doc) | | |")
    print(f"| speed-up 2 vs 1 workers | {speedup:.2f}x | >= 1.6x | {'yes' if speedup >= 1.6 else 'no'} |")


if __name__ == "__main__":
    main()
