#!/usr/bin/env python3
"""Hoso benchmarks against a running release server and the synthetic province (see bench.sh).

Measures, warm, p50/p95/p99 of: the province, office and school dashboards, a teacher's deadlines,
a submit and an approve (each keeping the figures current in its transaction); the same province
aggregate computed by plain SQL through psql (over the obligation rows, and over the kept counts)
as the floor; requests per second of an authenticated dashboard endpoint and of a static route
under wrk; the server's peak memory. Prints a table; writes JSON.
"""
import argparse
import hashlib
import http.client
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
import urllib.parse

YEAR = "2026-2027"
TENANT = "bigdemo"


def psql(sql, url=None):
    url = url or os.environ["HOSO_MIGRATION_DATABASE_URL"]
    return subprocess.run(["psql", url, "-Atq", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True, text=True).stdout


def session(login):
    """A session for `login`, made the way sign-in makes one (the token's SHA-256 is stored)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    digest = hashlib.sha256(token.encode()).hexdigest()
    made = psql(f"""INSERT INTO sessions (token_hash, tenant_id, user_id, csrf_token, client_address)
                    SELECT decode('{digest}', 'hex'), t.id, u.id, '{csrf}', 'bench'
                    FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.code = '{TENANT}' AND u.login = '{login}'
                    RETURNING 1""")
    if not made.strip():
        sys.exit(f"bench: no user {login} in {TENANT}; was the province generated?")
    return token, csrf


class Client:
    def __init__(self, base, token=None, csrf=None):
        parsed = urllib.parse.urlparse(base)
        self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        self.token, self.csrf = token, csrf

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.token:
            headers["Cookie"] = f"hoso_session={self.token}"
        if self.csrf and method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        return response.status, data, elapsed


def percentiles(samples):
    ordered = sorted(samples)

    def at(p):
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {"p50": at(50), "p95": at(95), "p99": at(99), "n": len(ordered)}


def measure(client, method, path, count, warm=10, body=None, headers=None, expect=(200,)):
    for _ in range(warm):
        client.request(method, path, body, headers)
    samples = []
    for _ in range(count):
        status, data, elapsed = client.request(method, path, body, headers)
        if status not in expect:
            sys.exit(f"bench: {method} {path} answered {status}: {data[:300]!r}")
        samples.append(elapsed)
    return percentiles(samples)


def floor(sql, runs=7):
    """Median server-side time of a query run by psql (\\timing), after one warm run."""
    script = "\\timing on\n" + (sql.strip().rstrip(";") + ";\n") * (runs + 1)
    out = subprocess.run(["psql", os.environ["HOSO_MIGRATION_DATABASE_URL"], "-Atq", "-v", "ON_ERROR_STOP=1"], input=script,
                         check=True, capture_output=True, text=True).stdout
    times = [float(t) for t in re.findall(r"Time: ([0-9.]+) ms", out)][1:]
    return statistics.median(times)


def wrk(url, token=None, seconds=10, connections=16):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if token:
        command[1:1] = ["-H", f"Cookie: hoso_session={token}"]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rate, "errors": int(non2xx.group(1)) if non2xx else 0}


def resident_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def peak_memory_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--preset", default="large")
    parser.add_argument("--out", default="bench-output/bench.json")
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    n = args.samples

    tenant_id = psql(f"SELECT id FROM tenants WHERE code = '{TENANT}'").strip()
    rows = psql(f"SELECT count(*) FROM obligations WHERE tenant_id = {tenant_id}").strip()
    schools = psql(f"SELECT count(*) FROM units WHERE tenant_id = {tenant_id} AND kind = 'school'").strip()
    teachers = psql(f"SELECT count(*) FROM user_grants WHERE tenant_id = {tenant_id} AND role = 'teacher'").strip()
    print(f"bench: province {TENANT}: {schools} schools, {teachers} teachers, {rows} obligations", file=sys.stderr)

    # The largest office and a lower-secondary school in it; a teacher there with open items.
    office = psql(f"""SELECT o.code FROM units o JOIN units s ON s.parent_id = o.id
                      WHERE o.tenant_id = {tenant_id} AND o.kind = 'office' GROUP BY o.code ORDER BY count(*) DESC, o.code LIMIT 1""").strip()
    school = psql(f"""SELECT s.code FROM units s JOIN units o ON o.id = s.parent_id
                      WHERE o.code = '{office}' AND o.tenant_id = {tenant_id} AND 'lower_secondary' = ANY (s.school_levels)
                      ORDER BY s.code LIMIT 1""").strip()
    officer, office_officer = session("so.canbo"), session(f"{office.lower()}.canbo")
    principal = session(f"{school.lower()}.ht")
    teacher_login = f"{school.lower()}.gv002"
    teacher = session(teacher_login)

    results = {}
    q = f"year={YEAR}"
    print("bench: measuring the dashboards", file=sys.stderr)
    results["province dashboard (page)"] = measure(Client(args.base, *officer), "GET", f"/units/SO/dashboard?{q}", n)
    results["province dashboard (API)"] = measure(Client(args.base, *officer), "GET", f"/api/v1/units/SO/compliance?{q}", n)
    results["office dashboard (page)"] = measure(Client(args.base, *office_officer), "GET", f"/units/{office}/dashboard?{q}", n)
    results["school dashboard (page)"] = measure(Client(args.base, *principal), "GET", f"/units/{school}/dashboard?{q}", n)
    results["teacher's deadlines (page)"] = measure(Client(args.base, *teacher), "GET", "/owe", n)

    # Submit: teachers of the province upload a PDF to one of their open items each time.
    print("bench: measuring submit and approve", file=sys.stderr)
    pdf = b"%PDF-1.4\n% bench\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    submits = psql(f"""SELECT o.id, u.login FROM obligations o JOIN users u ON u.id = o.owner_user_id
                       WHERE o.tenant_id = {tenant_id} AND o.state = 'open' AND o.record_type = 'lesson_plan' AND o.due_at > now()
                         AND o.owner_key LIKE 'user:%' AND u.login LIKE '%.gv%'
                       ORDER BY o.unit_id, o.id LIMIT {n + 10}""").split()
    pairs = [line.split("|") for line in submits]
    sessions = {}
    samples = []
    for index, (item, login) in enumerate(pairs):
        if login not in sessions:
            sessions[login] = Client(args.base, *session(login))
        status, data, elapsed = sessions[login].request("POST", f"/api/v1/obligations/{item}/versions?filename=giao-an.pdf", pdf,
                                                        {"Content-Type": "application/pdf"})
        if status != 201:
            sys.exit(f"bench: submit {item} by {login} answered {status}: {data[:300]!r}")
        if index >= 10:
            samples.append(elapsed)
    results["submit (upload + status + counts)"] = percentiles(samples)

    # Approve: the subject-group head approves the items the submit step just sent to them.
    submitted = [item for item, _ in pairs]
    heads = psql(f"""SELECT o.id, h.login FROM obligations o
                     JOIN group_members m ON m.user_id = o.owner_user_id
                     JOIN group_members hm ON hm.group_id = m.group_id AND hm.is_head
                     JOIN users h ON h.id = hm.user_id
                     WHERE o.id = ANY (ARRAY[{",".join(submitted)}]::bigint[]) AND o.state = 'awaiting'
                       AND o.awaiting_role = 'subject_group_head' AND h.id <> o.owner_user_id
                     ORDER BY o.id""").split()
    samples = []
    for index, line in enumerate(heads):
        item, login = line.split("|")
        if login not in sessions:
            sessions[login] = Client(args.base, *session(login))
        status, data, elapsed = sessions[login].request("POST", f"/api/v1/obligations/{item}/approve", json.dumps({"step": 1}).encode(),
                                                        {"Content-Type": "application/json"})
        if status != 200:
            sys.exit(f"bench: approve {item} by {login} answered {status}: {data[:300]!r}")
        if index >= 5:
            samples.append(elapsed)
    results["approve (step + status + counts)"] = percentiles(samples)

    print("bench: the psql floor", file=sys.stderr)
    so = psql(f"SELECT id FROM units WHERE tenant_id = {tenant_id} AND code = 'SO'").strip()
    rows_sql = f"""SELECT c.id, o.record_type, count(*) FILTER (WHERE o.exempt_reason IS NULL) AS expected,
                          count(*) FILTER (WHERE o.exempt_reason IS NULL AND o.first_submitted_at IS NOT NULL) AS submitted,
                          count(*) FILTER (WHERE o.exempt_reason IS NULL AND o.first_submitted_at <= o.due_at) AS on_time,
                          count(*) FILTER (WHERE o.exempt_reason IS NULL AND o.first_submitted_at IS NULL AND o.status = 'missing') AS missing
                   FROM obligations o JOIN units s ON s.id = o.unit_id JOIN units c ON c.parent_id = {so} AND s.path <@ c.path
                   WHERE o.tenant_id = {tenant_id} AND o.school_year = '{YEAR}' AND NOT o.withdrawn GROUP BY c.id, o.record_type"""
    counts_sql = f"""SELECT unit_id, record_type, sum(expected), sum(on_time + late_1_3 + late_4_7 + late_over_7), sum(on_time), sum(missing)
                     FROM compliance_counts WHERE tenant_id = {tenant_id} AND school_year = '{YEAR}' AND due_week = -1
                       AND unit_id IN (SELECT id FROM units WHERE parent_id = {so}) GROUP BY unit_id, record_type"""
    floor_rows = floor(rows_sql, runs=3)
    floor_counts = floor(counts_sql)

    print("bench: throughput (wrk, 10 s each)", file=sys.stderr)
    dashboard = wrk(f"{args.base}/api/v1/units/{office}/compliance?{q}", token=office_officer[0])
    static = wrk(f"{args.base}/static/hoso.css")

    # An export of a large view streams: the server's resident memory before and after.
    print("bench: a large export (items of the largest office, CSV)", file=sys.stderr)
    resident_before = resident_kib(args.pid)
    exporter = Client(args.base, *office_officer)
    started = time.perf_counter()
    status, data, _ = exporter.request("GET", f"/units/{office}/items.csv?{q}")
    export = {"rows": data.count(b"\r\n") - 1, "seconds": round(time.perf_counter() - started, 2), "status": status,
              "resident_before_mib": round(resident_before / 1024, 1), "resident_after_mib": round(resident_kib(args.pid) / 1024, 1)}

    # Reports of the whole province, generated in the background: from the request to the file.
    print("bench: reports of the whole province (PDF, XLSX), background generation", file=sys.stderr)
    reports = {}
    reporter = Client(args.base, *officer)
    for fmt in ("pdf", "xlsx"):
        started = time.perf_counter()
        status, data, _ = reporter.request("POST", "/api/v1/units/SO/reports",
                                           body=json.dumps({"format": fmt, "period": "year", "year": YEAR}),
                                           headers={"Content-Type": "application/json"})
        if status != 202:
            reports[fmt] = {"status": status, "error": data.decode(errors="replace")[:200]}
            continue
        job = json.loads(data)
        while job.get("state") in ("queued", "running") and time.perf_counter() - started < 600:
            time.sleep(0.25)
            _, data, _ = reporter.request("GET", f"/api/v1/reports/{job['id']}")
            job = json.loads(data)
        reports[fmt] = {"state": job.get("state"), "seconds": round(time.perf_counter() - started, 2), "bytes": job.get("size"),
                        "error": job.get("error")}

    memory = peak_memory_kib(args.pid)
    report = {
        "preset": args.preset, "schools": int(schools), "teachers": int(teachers), "obligations": int(rows),
        "latency_ms": results,
        "floor_ms": {"province aggregate over obligation rows (psql)": floor_rows, "province aggregate over kept counts (psql)": floor_counts},
        "throughput": {"office dashboard API": dashboard, "static route": static},
        "peak_memory_mib": round(memory / 1024, 1),
        "export": export,
        "reports": reports,
    }
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as out:
        json.dump(report, out, indent=2)

    targets = {"province dashboard (page)": 50, "province dashboard (API)": 50, "office dashboard (page)": 50,
               "school dashboard (page)": 20, "teacher's deadlines (page)": 20,
               "submit (upload + status + counts)": 30, "approve (step + status + counts)": 30}
    print()
    print(f"Hoso benchmark — {schools} schools, {teachers} teachers, {int(rows):,} obligations (warm, ms)")
    print(f"{'what':<38}{'p50':>9}{'p95':>9}{'p99':>9}{'n':>6}{'target p95':>12}  ok")
    for name, value in results.items():
        target = targets.get(name)
        ok = "yes" if target and value["p95"] <= target else "NO"
        print(f"{name:<38}{value['p50']:>9.1f}{value['p95']:>9.1f}{value['p99']:>9.1f}{value['n']:>6}{target:>12}  {ok}")
    province = results["province dashboard (API)"]["p50"]
    print()
    print(f"{'floor: province aggregate over rows':<38}{floor_rows:>9.1f}   (Hoso API p50 is {floor_rows / province:.0f}× faster)")
    print(f"{'floor: province aggregate over counts':<38}{floor_counts:>9.1f}   (Hoso API p50 / floor = {province / floor_counts:.1f})")
    print()
    ratio = dashboard["rps"] / static["rps"] if static["rps"] else 0
    print(f"{'throughput, office dashboard API':<38}{dashboard['rps']:>9.0f} req/s  ({dashboard['errors']} errors)")
    print(f"{'throughput, static route (ceiling)':<38}{static['rps']:>9.0f} req/s  (dashboard = {ratio:.2f} of it; target ≥ 0.33)")
    print(f"{'server peak memory (VmHWM)':<38}{memory / 1024:>9.1f} MiB")
    print(f"{'export, items of ' + office + ' (CSV)':<38}{export['rows']:>9} rows in {export['seconds']} s; "
          f"resident {export['resident_before_mib']} → {export['resident_after_mib']} MiB")
    for fmt, value in reports.items():
        if "seconds" in value:
            ok = "yes" if value["state"] == "done" and value["seconds"] <= 60 else "NO"
            print(f"{'report, whole province (' + fmt.upper() + ')':<38}{value['seconds']:>9.1f} s   {value['state']}, "
                  f"{(value['bytes'] or 0) / 1024:.0f} KiB (target ≤ 60 s) {ok}")
        else:
            print(f"{'report, whole province (' + fmt.upper() + ')':<38} refused: {value}")
    print(f"\nJSON: {args.out}")


if __name__ == "__main__":
    main()
