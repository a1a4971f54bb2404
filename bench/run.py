"""`make bench`: build the national demo data at several sizes and print, per operation, the
median time of repeated runs and the number of SQL queries (issue #8).

    python -m bench.run [--sizes 1000,10000,100000,300000] [--repeat 7] [--wrk-seconds 10]
                        [--no-wrk]

A size N:Y spreads N participants over Y years instead of ten (`seed_demo --years`): the
history series `--sizes 10000:2,100000:20` keeps the participants a year and the teams the
same and makes the history ten times longer, which is what the aggregates are for (issue #18).

Database: BENCH_DATABASE_URL if set; else, when DATABASE_URL points at PostgreSQL, a database
of the same name plus `_bench` on the same server (dropped and created for every size); else
the SQLite file bench/out/bench.sqlite3. The demo database is never touched.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PASSWORD = "bench-only-" + secrets.token_urlsafe(12)


def bench_database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        base, _, name = url.rpartition("/")
        name, _, query = name.partition("?")
        return f"{base}/{name}_bench" + (f"?{query}" if query else "")
    return f"sqlite:///{OUT / 'bench.sqlite3'}"


def setup_django():
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = bench_database_url()
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- Output ---------------------------------------------------------------------------------


class Report:
    def __init__(self, path: Path):
        self.file = path.open("w", encoding="utf-8")

    def line(self, text: str = ""):
        print(text, flush=True)
        self.file.write(text + "\n")
        self.file.flush()

    def row(self, name, ms=None, queries=None, note=""):
        ms_text = "" if ms is None else f"{ms:10.1f}"
        q_text = "" if queries is None else f"{queries:7d}"
        self.line(f"  {name:<52}{ms_text:>10}{q_text:>8}  {note}".rstrip())


def measure(fn, repeat: int, before=None):
    """(median milliseconds, queries of one run, last result). One warm-up run first.
    `before`, if given, runs untimed before every run (emptying a cache)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if before:
        before()
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    queries = len(ctx.captured_queries)
    times = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), queries, result


# --- Database -------------------------------------------------------------------------------


def reset_database():
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(str(db["NAME"]) + suffix).unlink(missing_ok=True)
        return
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        name = sql.Identifier(db["NAME"])
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
    conn.close()


def database_label() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def build(n: int, report: Report, years: int | None = None):
    from django.core.management import call_command

    reset_database()
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter() - start
    out = io.StringIO()
    start = time.perf_counter()
    options = {} if years is None else {"years": years}
    call_command("seed_demo", participants=n, password=PASSWORD, stdout=out, **options)
    seeded = time.perf_counter() - start
    return migrated, seeded


def data_summary():
    from modules.models import Placement
    from rehab.models import Enrolment, JournalNote, Participant, Team

    participants = Participant.objects.count()
    enrolments = Enrolment.objects.count()
    return (
        f"{participants} participants, {enrolments} enrolments "
        f"({enrolments / max(participants, 1):.2f} each), "
        f"{Placement.objects.count() / max(enrolments, 1):.2f} placements and "
        f"{JournalNote.objects.count() / max(enrolments, 1):.1f} notes per enrolment, "
        f"{Enrolment.objects.filter(exit_date__isnull=True).count()} active, "
        f"{Team.objects.filter(kind='rehab').count()} rehab teams"
    )


# --- Operations -----------------------------------------------------------------------------


def client_for(username):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def page(client, url):
    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return response

    return get


def board_operations(report: Report, repeat: int, results: dict):
    from bench.raw_board import raw_table, same_numbers
    from demo.organisation import FORBUND_NAME, REHAB_TEAM
    from rehab.models import Team
    from reporting.board import aggregates
    from reporting.board import tables as board

    rehab = Team.objects.get(name=REHAB_TEAM)
    forbund_teams = list(Team.objects.filter(forbund__name=FORBUND_NAME, is_active=True))
    year = datetime.date.today().year - 1
    periods = [
        ("H1", datetime.date(year, 1, 1), datetime.date(year, 6, 30)),
        ("year", datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
    ]
    report.line(
        f"  board tables {year} (ours = reporting.board computed directly; aggregates = read "
        "from reporting.MonthlyCount; raw = one hand-written SQL query)"
    )
    # seed_demo writes past the services: the first read would rebuild the aggregates.
    start = time.perf_counter()
    rows = aggregates.rebuild()
    report.row(
        "rebuild_aggregates, every team (one run)",
        (time.perf_counter() - start) * 1000,
        note=f"{rows} rows",
    )
    for scope, teams in (("Rehabteamet", [rehab]), ("whole förbund", forbund_teams)):
        for label, date_from, date_to in periods:
            name = f"board {scope} {label}"
            active = board.active_enrolments(teams, date_from, date_to)
            filters = board._period_filters(date_from, date_to)

            def ours_table(active=active, filters=filters, teams=teams):
                return board._table_and_targets(active, filters, teams)

            def from_aggregates(teams=teams, date_from=date_from, date_to=date_to):
                return board.table_and_targets(teams, date_from, date_to)

            def full(teams=teams, date_from=date_from, date_to=date_to):
                return board.board_table(teams=teams, date_from=date_from, date_to=date_to)

            ids = [t.pk for t in teams]
            ms_full, q_full, table = measure(full, repeat)
            ms_ours, q_ours, _ = measure(ours_table, repeat)
            ms_agg, q_agg, _ = measure(from_aggregates, repeat)
            ms_raw, q_raw, raw = measure(
                lambda ids=ids, f=date_from, t=date_to: raw_table(ids, f, t), repeat
            )
            same = same_numbers(table, raw)
            n_active = active.count()
            report.row(f"{name}: §9 table + targets, ours", ms_ours, q_ours)
            report.row(f"{name}: §9 table + targets, aggregates", ms_agg, q_agg)
            report.row(f"{name}: §9 table + targets, raw SQL", ms_raw, q_raw)
            report.row(
                f"{name}: ratio ours ÷ raw",
                note=f"{ms_ours / ms_raw:.2f} × — same numbers: {'yes' if same else 'NO'}"
                f" ({n_active} enrolments active in the period)",
            )
            report.row(f"{name}: whole report (+ breakdowns, matrices)", ms_full, q_full)
            results[f"{name}: report"] = (ms_full, q_full)
            results[f"{name}: ratio"] = (ms_ours / ms_raw, None)
            if not same:
                results.setdefault("_problems", []).append(f"{name}: numbers differ from raw SQL")


def page_operations(report: Report, repeat: int, results: dict):
    from django.urls import reverse

    from demo.organisation import FORBUND_NAME, REHAB_TEAM
    from rehab import freshness
    from rehab.models import Enrolment, Forbund, Team

    rehab = Team.objects.get(name=REHAB_TEAM)
    forbund = Forbund.objects.get(name=FORBUND_NAME)
    enrolment = (
        Enrolment.objects.filter(
            team=rehab, exit_date__isnull=True, participant__is_anonymous=False
        )
        .order_by("pk")
        .first()
    )
    handledare, admin, forbund_user = (
        client_for("handledare"),
        client_for("admin"),
        client_for("forbund"),
    )
    year = datetime.date.today().year - 1
    board_query = f"?scope=forbund-{forbund.pk}&fran={year}-01-01&till={year}-12-31"
    pages = [
        ("caseload (handledare, page 1)", handledare, reverse("caseload")),
        ("caseload (admin, page 3, by start)", admin, reverse("caseload") + "?sort=-start&sida=3"),
        (
            "participant page",
            handledare,
            reverse("participant_detail", args=[enrolment.participant_id]),
        ),
        ("enrolment module page", handledare, reverse("modules:enrolment", args=[enrolment.pk])),
        ("deadlines page (handledare)", handledare, reverse("modules:deadline_list")),
        ("team page", handledare, reverse("team_detail", args=[rehab.pk])),
        ("modules list", admin, reverse("modules:module_list")),
        ("referrals list", handledare, reverse("referral_list")),
        ("start page (handledare)", handledare, reverse("start")),
        (
            "board report page, whole förbund (förbund)",
            forbund_user,
            reverse("board_report") + board_query,
        ),
        ("dashboard (förbund)", forbund_user, reverse("dashboard")),
        ("dashboard (admin)", admin, reverse("dashboard")),
    ]
    # The caseload's result list, the dashboards and the board report are cached per data
    # version (rehab/freshness.py): each page is timed cold (the cache emptied before every
    # run, as right after a write), and those three also warm (read from the cache, as
    # between writes).
    cached = ("caseload", "dashboard", "board report page")
    for name, client, url in pages:
        variants = [(name, freshness.forget_all)]
        if name.startswith(cached):
            variants.append((f"{name}, cached", None))
        for label, before in variants:
            try:
                ms, queries, _ = measure(page(client, url), repeat, before)
            except RuntimeError as error:
                report.row(label, note=f"FAILED: {error}")
                results.setdefault("_problems", []).append(f"{label}: {error}")
                continue
            report.row(label, ms, queries)
            results[label] = (ms, queries)


def write_operations(report: Report, repeat: int, results: dict):
    """One write through the services (an edit of an enrolment's months without work, which
    changes what it adds to the board's aggregates), and the whole-förbund board report page
    right after such a write (the write untimed, the cache emptied): the cost a write adds to
    the next reader."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from demo.organisation import FORBUND_NAME, REHAB_TEAM
    from rehab import freshness
    from rehab import services as rehab_services
    from rehab.models import Enrolment, Forbund

    enrolment = (
        Enrolment.objects.valid()
        .filter(team__name=REHAB_TEAM, exit_date__isnull=True)
        .order_by("pk")
        .first()
    )
    handledare = get_user_model().objects.get(username="handledare")
    months = iter(range(1, 10_000))

    def write():
        started = freshness.request_started()  # as a view: the middleware bumps after it
        try:
            rehab_services.enrolment_update(
                enrolment=Enrolment.objects.get(pk=enrolment.pk),
                by=handledare,
                months_without_work=next(months) % 60,
            )
        finally:
            freshness.request_finished(started)

    ms, queries, _ = measure(write, repeat)
    report.row("single write (enrolment_update, months w/o work)", ms, queries)
    results["single write"] = (ms, queries)

    def after_write():
        write()
        freshness.forget_all()

    forbund = Forbund.objects.get(name=FORBUND_NAME)
    year = datetime.date.today().year - 1
    url = (
        reverse("board_report")
        + f"?scope=forbund-{forbund.pk}&fran={year}-01-01&till={year}-12-31"
    )
    ms, queries, _ = measure(page(client_for("forbund"), url), repeat, after_write)
    report.row("board report page, whole förbund, after a write", ms, queries)
    results["board report page after a write"] = (ms, queries)


def command_operations(report: Report, repeat: int, results: dict, n: int):
    from django.core.management import call_command

    from rehab.models import Enrolment, Team

    teams = list(Team.objects.filter(kind="rehab").order_by("name"))
    active = Enrolment.objects.filter(exit_date__isnull=True, registered_in_error=False).count()

    def deadlines():
        out = io.StringIO()
        for team in teams:
            call_command("deadlines", team=team.name, stdout=out)
        return out.getvalue().count("\n") - len(teams)

    ms, queries, lines = measure(deadlines, max(1, repeat // 2))
    report.row(
        f"deadlines command, all {len(teams)} teams ({active} active)",
        ms,
        queries // len(teams),
        f"{lines} deadlines; queries per team",
    )
    results["deadlines command (queries per team)"] = (ms, queries // len(teams))

    path = OUT / f"import_{n}.csv"
    rows = write_import_file(path, 10_000, seed=n)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out = io.StringIO()
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        try:
            call_command("import_enrolments", str(path), team="Rehabteamet", stdout=out)
            note = out.getvalue().strip().splitlines()[-1] if out.getvalue().strip() else ""
        except Exception as error:
            note = f"FAILED: {error}"
            results.setdefault("_problems", []).append(f"import: {error}")
    ms = (time.perf_counter() - start) * 1000
    report.row(
        f"import_enrolments, {rows} rows (one run)", ms, len(ctx.captured_queries), note[:80]
    )
    results["import 10 000 rows"] = (ms, len(ctx.captured_queries))


def write_import_file(path: Path, count: int, *, seed: int) -> int:
    from rehab import personnummer
    from rehab.models import Participant

    rng = random.Random(f"import-{seed}")
    taken = set(
        Participant.objects.filter(personnummer__isnull=False).values_list(
            "personnummer", flat=True
        )
    )
    outcomes = ["arbete", "studier", "medicinsk_rehab", "annat", "tidigt_avhopp"]
    lines = [
        "personnummer,fornamn,efternamn,kon,kommun,remittent,startdatum,slutdatum,"
        "avslutsorsak,manader_utan_arbete,modul,modulstart"
    ]
    today = datetime.date.today()
    while len(lines) <= count:
        birth = datetime.date(1962, 1, 1) + datetime.timedelta(days=rng.randint(0, 16000))
        female = rng.random() < 0.5
        pnr = personnummer.generate(rng, birth, female=female)
        if pnr in taken:
            continue
        taken.add(pnr)
        start = today - datetime.timedelta(days=rng.randint(400, 3000))
        exited = rng.random() < 0.8
        end = start + datetime.timedelta(days=rng.randint(30, 380)) if exited else None
        lines.append(
            ",".join(
                [
                    f"{pnr[:8]}-{pnr[8:]}",
                    "Import",
                    f"Deltagare{len(lines)}",
                    "K" if female else "M",
                    rng.choice(["Ludvika", "Smedjebacken"]),
                    rng.choice(["EVI", "AF", "FK", "Region", "Kommun", "Egen"]),
                    start.isoformat(),
                    end.isoformat() if end else "",
                    rng.choice(outcomes) if end else "",
                    str(rng.randint(0, 60)),
                    "" if exited else rng.choice(["Kompassen", "Passagen"]),
                    "",
                ]
            )
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return count


# --- Load test ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_wrk(text: str) -> dict:
    def ms(value: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
    p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    return {"rps": rps, "p50": p50, "p99": p99, "errors": int(non2xx.group(1)) if non2xx else 0}


def start_gunicorn(extra_env: dict):
    """A gunicorn with 2 workers on a free loopback port; (process, base URL), or (process,
    None) when it did not answer."""
    port = free_port()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", **extra_env)
    # Fixed argument lists (this interpreter, wrk from PATH), on loopback only.
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/bench/trivial/", timeout=30).read()  # noqa: S310
            return server, base
        except OSError:  # refused while gunicorn starts, or slow on a busy machine
            time.sleep(0.2)
    return server, None


def run_wrk(wrk: str, url: str, cookie: str, seconds: int) -> dict:
    run = subprocess.run(  # noqa: S603
        [wrk, "-t2", "-c4", f"-d{seconds}s", "--latency", "-H", f"Cookie: {cookie}", url],
        capture_output=True,
        text=True,
        check=True,
    )
    return parse_wrk(run.stdout)


def load_operations(report: Report, results: dict, seconds: int):
    """The caseload against a trivial view in the same gunicorn, with the read-model cache on
    (reads between writes: the caseload's list comes from the cache) and off
    (READ_MODEL_CACHE_SECONDS=0: every request computes it, as right after a write)."""
    from django.conf import settings

    wrk = shutil.which("wrk")
    if wrk is None:
        report.line("  load test left out: wrk is not installed (apt-get install wrk)")
        return
    client = client_for("handledare")
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    for setting, cache_seconds in (("cache on", None), ("cache off", "0")):
        extra = {} if cache_seconds is None else {"READ_MODEL_CACHE_SECONDS": cache_seconds}
        server, base = start_gunicorn(extra)
        try:
            if base is None:
                report.line("  load test left out: gunicorn did not start")
                return
            request = urllib.request.Request(base + "/deltagare/", headers={"Cookie": cookie})  # noqa: S310
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                if "/logga-in/" in response.url:
                    report.line("  load test left out: the session was not accepted")
                    return
            figures = {}
            for name, path in (("trivial view", "/bench/trivial/"), ("caseload", "/deltagare/")):
                figures[name] = f = run_wrk(wrk, base + path, cookie, seconds)
                report.row(
                    f"gunicorn (2 workers), wrk 4 conn., {setting}: {name}",
                    note=f"{f['rps']:.0f} req/s, p50 {f['p50']:.1f} ms, p99 {f['p99']:.1f} ms"
                    + (f", {f['errors']} non-2xx" if f["errors"] else ""),
                )
            ratio = figures["caseload"]["rps"] / figures["trivial view"]["rps"]
            report.row(f"throughput ratio caseload ÷ trivial view, {setting}", note=f"{ratio:.2f}")
            results[f"throughput ratio, {setting}"] = (ratio, None)
        finally:
            server.terminate()
            server.wait(timeout=20)


# --- Main -----------------------------------------------------------------------------------


def parse_size(text: str) -> tuple[int, int | None]:
    """ "N" (participants over the seed's ten years) or "N:Y" (over Y years)."""
    n, _, years = text.strip().replace("_", "").partition(":")
    return int(n), int(years) if years else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,300000")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per operation")
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--no-wrk", action="store_true", help="leave out the load test")
    args = parser.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]

    setup_django()
    from django.conf import settings

    vendor = (
        "sqlite" if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") else "postgresql"
    )
    report = Report(OUT / f"last-{vendor}.txt")
    all_results = {}
    for size in sizes:
        n, years = size
        migrated, seeded = build(n, report, years)
        over = "" if years is None else f" over {years} years"
        report.line("")
        heading = (
            f"=== {n:,} participants{over} — {database_label()} — {datetime.date.today()} ==="
        )
        report.line(heading.replace(",", " "))
        command = f"seed_demo --participants {n}" + ("" if years is None else f" --years {years}")
        report.line(f"  {command}: {seeded:.1f} s (migrate {migrated:.1f} s)")
        report.line(f"  data: {data_summary()}")
        report.line(f"  {'operation':<52}{'median ms':>10}{'queries':>8}")
        results = {"seed s": (seeded, None)}
        board_operations(report, args.repeat, results)
        page_operations(report, args.repeat, results)
        write_operations(report, args.repeat, results)
        command_operations(report, args.repeat, results, n)
        if not args.no_wrk:
            try:
                load_operations(report, results, args.wrk_seconds)
            except (OSError, subprocess.SubprocessError) as error:
                report.row("load test", note=f"FAILED: {error}")
                results.setdefault("_problems", []).append(f"load test: {error}")
        all_results[size] = results

    report.line("")
    report.line("=== query counts by size (must not grow) ===")
    grew = []
    names = [
        k for k, v in all_results[sizes[0]].items() if not k.startswith("_") and v[1] is not None
    ]
    for name in names:
        counts = [all_results[n].get(name, (None, None))[1] for n in sizes]
        times = [all_results[n].get(name, (None, None))[0] for n in sizes]
        flag = ""
        if name != "import 10 000 rows" and len(set(counts)) > 1:
            flag = "  <-- GREW"
            grew.append(name)
        ratio = ""
        if len(sizes) > 1 and times[0] and times[-1] is not None:
            ratio = f"  (last ÷ first {times[-1] / times[0]:.2f})"
        report.line(
            f"  {name:<52} queries {' / '.join(str(c) for c in counts):<16} "
            f"ms {' / '.join(f'{t:.0f}' for t in times)}{ratio}{flag}"
        )
    problems = [p for n in sizes for p in all_results[n].get("_problems", [])]
    report.line("")
    report.line(
        "query counts independent of size: " + ("yes" if not grew else f"NO ({', '.join(grew)})")
    )
    for problem in problems:
        report.line(f"problem: {problem}")
    report.line(f"(written to {report.file.name})")


if __name__ == "__main__":
    main()
