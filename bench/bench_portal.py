"""Online hall pages under concurrent load against the production server (gunicorn).

Starts gunicorn (as ``make run`` does) on the demo database of the current environment
(GOVHALL_VAR_DIR / DATABASE_URL; run ``govhall migrate`` and ``govhall seed_demo`` first), then, for
each page, a thread pool of clients requests it as fast as it can for ``--seconds`` and prints
requests per second and the p50 / p99 latency of the median run, and the median time of one request
through Django in this process ("1 req ms", no network and no concurrent clients):

- home: ``/`` (themes, departments, popular items and notices — cached 5 minutes);
- guide: ``/guide/<code>/`` of the most filed item, and the pinyin search ``/guide/?q=yyzz``;
- lookup: ``/cases/lookup/?number=…&password=…`` (a case this script files once at the window and
  whose query password it keeps in ``$GOVHALL_VAR_DIR/bench_portal_lookup.json``).

Each request opens its own connection (gunicorn's sync workers close it after the response), the
way browsers behind a proxy look to the app server. The load generator runs on the same machine,
so it takes a share of the cores:

    .venv/bin/python bench/bench_portal.py [--seconds 10] [--concurrency 16] [--workers 2] [--runs 3]
    .venv/bin/python bench/bench_portal.py --url http://127.0.0.1:8000   # a server already running
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.config.settings")
    import django

    django.setup()


def _guide_code() -> str:
    from govhall.portal import selectors

    popular = selectors.popular_items(limit=1)
    if popular:
        return popular[0].code
    from govhall.catalog.models import ServiceItem

    return ServiceItem.objects.filter(status="retained").order_by("code").values_list("code", flat=True)[0]


def _lookup_target() -> tuple[str, str]:
    """A case whose query password is known: filed once by a demo clerk, remembered in a file."""
    from django.conf import settings

    from govhall.cases.models import Case
    from govhall.cases.services import case_submit
    from govhall.org.models import Role, Staff

    memo = Path(settings.VAR_DIR) / "bench_portal_lookup.json"
    if memo.exists():
        number, password = json.loads(memo.read_text())
        if Case.objects.filter(number=number).exists():
            return number, password
    clerk = (
        Staff.objects.filter(role=Role.CLERK, active=True, window__isnull=False)
        .select_related("window")
        .first()
    )
    item = clerk.window.items.filter(status="retained").first()
    case = case_submit(item=item, site=clerk.window.site, window=clerk.window, channel="window",
                       applicant_name="张三", applicant_id_number="11010519491231002X", actor=clerk.user)  # fmt: skip
    memo.write_text(json.dumps([case.number, case.query_password]))
    return case.number, case.query_password


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(host: str, port: int, path: str) -> int:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept-Language": "zh-CN"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _start_server(workers: int) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    cmd = [str(gunicorn), "govhall.config.wsgi:application", "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(cmd, cwd=ROOT, env=os.environ.copy())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if _get("127.0.0.1", port, "/") == 200:
                return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 30 s")


def _load(host: str, port: int, path: str, *, seconds: float, concurrency: int) -> dict:
    """``concurrency`` threads request ``path`` back to back for ``seconds``; latencies in ms."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        mine, bad = [], 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                ok = _get(host, port, path) == 200
            except OSError:
                ok = False
            mine.append((time.perf_counter() - started) * 1000)
            bad += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [latencies[0]] * 99
    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "p50": q[49], "p99": q[98],
            "errors": errors[0]}  # fmt: skip


def _in_process(path: str, n: int = 30) -> float:
    """Median ms of one request through Django in this process (no network, no contention from
    other clients): the server's own cost, steadier than req/s on a busy machine."""
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    client.get(path)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a server already running (default: start gunicorn)")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (make run: 2)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    _setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the in-process client's host
    code = _guide_code()
    number, password = _lookup_target()
    pages = {
        "home /": "/",
        "guide /guide/<code>/": f"/guide/{code}/",
        "guide search /guide/?q=yyzz": "/guide/?q=yyzz",
        "lookup /cases/lookup/?number&password": "/cases/lookup/?"
        + urlencode({"number": number, "password": password}),
    }
    server, url = (None, args.url) if args.url else _start_server(args.workers)
    parts = urlsplit(url)
    try:
        print(f"server {url} · {args.concurrency} concurrent clients · {args.seconds:g} s × {args.runs} runs")
        print(f"{'page':42} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'1 req ms':>9}")
        for label, path in pages.items():
            _load(parts.hostname, parts.port, path, seconds=1, concurrency=args.concurrency)  # warm up
            runs = [_load(parts.hostname, parts.port, path, seconds=args.seconds, concurrency=args.concurrency)
                    for _ in range(args.runs)]  # fmt: skip
            median = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
            print(f"{label:42} {median['rps']:8.1f} {median['p50']:8.1f} {median['p99']:8.1f} "
                  f"{sum(r['errors'] for r in runs):7d} {_in_process(path):9.1f}")  # fmt: skip
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
