#!/usr/bin/env python3
"""The kill drill's driver (scripts/kill-drill.sh prepares the database, the keys and the binary).

Each round: prepare a fresh target on the live server, start one operation (upload, signed
approval, inspection conclusion, report), kill -9 the server at a seeded random moment within 1.5
times the operation's time without a kill (at most --max-delay-ms), start it again (timed), then
check every invariant. The first broken invariant
ends the drill with exit 1 and its name. Standard library only.
"""
import argparse
import hashlib
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

OPERATIONS = ["upload", "approval", "conclusion", "report"]
PASSWORD = "Demo@2026!"


class Broken(Exception):
    """An invariant that does not hold after a restart."""


class Server:
    def __init__(self, binary, port, log):
        self.binary, self.port, self.log = binary, port, log
        self.env = dict(os.environ)
        # The server runs as the application role; the owner's URL is for the checks only.
        self.env.pop("HOSO_MIGRATION_DATABASE_URL", None)
        self.env.update(HOSO_HTTP_HOST="127.0.0.1", HOSO_HTTP_PORT=str(port))
        self.process = None

    def start(self):
        """Starts `hoso serve` and returns the seconds until /healthz answers 200."""
        began = time.monotonic()
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([self.binary, "serve"], env=self.env, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        while time.monotonic() - began < 60:
            if self.process.poll() is not None:
                raise Broken(f"server exited at start (status {self.process.returncode}); see {self.log}")
            try:
                if http_request(self.port, "GET", "/healthz", timeout=2)[0] == 200:
                    return time.monotonic() - began
            except OSError:
                pass
            time.sleep(0.05)
        raise Broken(f"server did not become healthy within 60 s; see {self.log}")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        if self.process:
            self.process.wait()


def http_request(port, method, path, body=b"", headers=None, timeout=120):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read()
    finally:
        connection.close()


class Session:
    def __init__(self, port, login):
        self.port, self.login = port, login
        status, cookie, body = http_request(port, "POST", "/api/v1/session",
                                            json.dumps({"tenant": "demo", "username": login, "password": PASSWORD}).encode(),
                                            {"Content-Type": "application/json"})
        if status != 201:
            raise SystemExit(f"kill-drill: sign-in of {login} failed: {status} {body[:300]!r}")
        self.cookie = cookie.split(";")[0]
        self.csrf = json.loads(body)["csrfToken"]

    def headers(self, content_type="application/json"):
        return {"Cookie": self.cookie, "X-CSRF-Token": self.csrf, "Content-Type": content_type}

    def call(self, method, path, payload=None, raw=None, content_type="application/json"):
        body = raw if raw is not None else (json.dumps(payload).encode() if payload is not None else b"")
        status, _, answer = http_request(self.port, method, path, body, self.headers(content_type))
        try:
            return status, json.loads(answer) if answer else {}
        except ValueError:
            return status, {"raw": answer[:200].decode(errors="replace")}


class Database:
    def __init__(self, url):
        self.url = url

    def rows(self, sql):
        out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", self.url, "-c", sql],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise Broken(f"psql failed: {out.stderr.strip()}")
        return [line.split("\t") for line in out.stdout.splitlines() if line]

    def value(self, sql):
        rows = self.rows(sql)
        return rows[0][0] if rows else None


# What must hold after every restart. Each: (name, SQL returning the offending rows' ids).
INVARIANTS = [
    ("an obligation past 'open' names a current version of its own",
     """SELECT o.id FROM obligations o LEFT JOIN record_versions v ON v.id = o.current_version_id
        WHERE o.state <> 'open' AND (v.id IS NULL OR v.obligation_id <> o.id)"""),
    ("a submitted obligation has its first submission time",
     "SELECT id FROM obligations WHERE current_version_id IS NOT NULL AND first_submitted_at IS NULL"),
    ("every version has its submit event",
     """SELECT v.id FROM record_versions v WHERE NOT EXISTS (
        SELECT 1 FROM workflow_events e WHERE e.version_id = v.id AND e.kind = 'submit')"""),
    ("an awaiting obligation has a step and the role whose turn it is",
     "SELECT id FROM obligations WHERE state = 'awaiting' AND (step IS NULL OR awaiting_role IS NULL)"),
    ("a signed approval has its signature row",
     """SELECT e.id FROM workflow_events e WHERE e.kind = 'approve' AND e.signed AND (
        SELECT count(*) FROM record_signatures s WHERE s.version_id = e.version_id AND s.kind = 'approval')
        < (SELECT count(*) FROM workflow_events f WHERE f.version_id = e.version_id AND f.kind = 'approve' AND f.signed)"""),
    ("a signature row belongs to a signed approval or a seal",
     """SELECT s.id FROM record_signatures s WHERE s.kind = 'approval' AND s.made_by = 'hoso' AND NOT EXISTS (
        SELECT 1 FROM workflow_events e WHERE e.version_id = s.version_id AND e.kind = 'approve' AND e.signed)"""),
    ("a manifest counts its signatures",
     """SELECT m.version_id FROM record_manifests m
        WHERE m.signatures <> (SELECT count(*) FROM record_signatures s WHERE s.version_id = m.version_id)"""),
    ("a concluded inspection has its minutes, and minutes only a concluded one",
     """SELECT i.id FROM inspections i LEFT JOIN inspection_minutes m ON m.inspection_id = i.id
        WHERE (i.state IN ('concluded', 'closed')) <> (m.inspection_id IS NOT NULL)
           OR (i.state IN ('concluded', 'closed') AND i.concluded_at IS NULL)"""),
    ("a finished report names its file; an unfinished one names none",
     """SELECT id FROM report_jobs WHERE (state = 'done') <> (sha256 IS NOT NULL AND filename IS NOT NULL)
           OR (state = 'done' AND finished_at IS NULL)"""),
    ("no report cut short by an earlier stop is still 'running' after a restart",
     """SELECT id FROM report_jobs WHERE state IN ('queued', 'running')
        AND coalesce(heartbeat_at, created_at) < now() - interval '100 seconds'"""),
    ("every submission, approval, conclusion and report request has its audit entry",
     """SELECT 'obligation:' || o.id FROM obligations o
        WHERE (SELECT count(*) FROM workflow_events e WHERE e.obligation_id = o.id AND e.kind IN ('submit', 'approve'))
           <> (SELECT count(*) FROM audit_log a WHERE a.subject = 'obligation:' || o.id
               AND a.action IN ('record.submit', 'record.approve'))
        UNION ALL
        SELECT 'inspection:' || i.id FROM inspections i WHERE i.concluded_at IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM audit_log a WHERE a.subject = 'inspection:' || i.id AND a.action = 'inspection.conclude')
        UNION ALL
        SELECT 'report:' || j.id FROM report_jobs j WHERE NOT EXISTS (
            SELECT 1 FROM audit_log a WHERE a.subject = 'report:' || j.id AND a.action = 'report.request')"""),
]


class Drill:
    def __init__(self, args):
        self.args = args
        self.random = random.Random(args.seed)
        self.db = Database(args.owner_url)
        self.server = Server(args.bin, args.port, args.log)
        self.blob_dir = os.environ["HOSO_BLOB_DIR"]
        self.verified = set()   # hashes whose file was read and matched once (files never change)
        self.stats = {op: {"kills": 0, "mid": 0, "after": 0, "failures": 0, "restarts": []} for op in OPERATIONS}
        self.baseline = {}   # seconds each operation takes when nothing kills it (a 6 MB upload)
        self.orphans = 0
        self.cut_reports = 0   # reports answered 202 whose generation the kill cut short
        self.round = 0

    # ----- targets -----

    def pools(self):
        year = self.args.year
        # Approvals: s1.head approves the first step of s1.teacher's lesson plans (and signs: the head has a
        # key; s1.teacher2's group head is not in the demo directory).
        approval = [int(r[0]) for r in self.db.rows(f"""
            SELECT o.id FROM obligations o JOIN users u ON u.id = o.owner_user_id JOIN units n ON n.id = o.unit_id
            WHERE o.school_year = '{year}' AND o.record_type = 'lesson_plan' AND n.code = 'S01'
              AND u.login = 's1.teacher' AND o.state = 'open' AND NOT o.withdrawn ORDER BY o.id""")]
        # Uploads: every other open plan (PDF, no entry window) owned by a login of the demo directory.
        with open(os.path.join(os.environ["HOSO_TENANTS_DIR"], "demo", "directory.ldif"), encoding="utf-8") as ldif:
            logins = ", ".join(f"'{line.split()[1]}'" for line in ldif
                               if line.startswith("uid: ") and line.split()[1] not in ("admin.lockout", "s1.former"))
        upload = [(int(r[0]), r[1]) for r in self.db.rows(f"""
            SELECT o.id, u.login FROM obligations o JOIN users u ON u.id = o.owner_user_id
            WHERE o.school_year = '{year}' AND o.state = 'open' AND NOT o.withdrawn AND o.status IN ('pending', 'late', 'missing')
              AND u.login IN ({logins}) AND o.record_type IN ('lesson_plan', 'teacher_teaching_plan', 'ce_lesson_plan')
              AND NOT (o.record_type = 'lesson_plan' AND u.login = 's1.teacher')
            ORDER BY o.id""")]
        self.random.shuffle(approval)
        self.random.shuffle(upload)
        return approval, upload

    def pdf(self, size):
        head = f"%PDF-1.4\n% kill drill round {self.round} seed {self.args.seed}\n".encode()
        return head + self.random.randbytes(max(0, size - len(head)))

    # ----- one operation each; returns (label, a function that makes the request) -----

    def prepare_upload(self, size=None):
        obligation, login = self.uploads.pop()
        session = self.session(login)
        size = size or self.random.randint(64 * 1024, 12 * 1024 * 1024)
        self.last_upload_size = size
        body = self.pdf(size)
        label = f"obligation {obligation} ({size / 1048576:.1f} MB by {login})"
        return label, lambda: session.call("POST", f"/api/v1/obligations/{obligation}/versions?filename=drill-{self.round}.pdf",
                                           raw=body, content_type="application/pdf")

    def prepare_approval(self):
        obligation = self.approvals.pop()
        login = self.db.value(f"SELECT u.login FROM obligations o JOIN users u ON u.id = o.owner_user_id WHERE o.id = {obligation}")
        status, answer = self.session(login).call("POST", f"/api/v1/obligations/{obligation}/versions?filename=giao-an-{self.round}.pdf",
                                                  raw=self.pdf(20_000), content_type="application/pdf")
        if status != 201:
            raise SystemExit(f"kill-drill: preparing an approval, the upload failed: {status} {answer}")
        head = self.session("s1.head")
        return f"obligation {obligation} (step 1 signed by s1.head)", \
            lambda: head.call("POST", f"/api/v1/obligations/{obligation}/approve", {"step": 1, "sign": True})

    def prepare_conclusion(self):
        officer, inspector = self.session("d1.officer"), self.session("d1.inspector")
        week = self.random.randint(0, 12)
        first = time.strftime("%Y-%m-%d", time.gmtime(time.mktime((2026, 9, 7 + 7 * week, 12, 0, 0, 0, 0, 0))))
        last = time.strftime("%Y-%m-%d", time.gmtime(time.mktime((2026, 9, 13 + 7 * week, 12, 0, 0, 0, 0, 0))))
        status, planned = officer.call("POST", "/api/v1/units/D01/inspections", {
            "kind": "periodic", "title": f"Kiểm tra giáo án (drill {self.round})", "symbol": "PGDĐT", "place": "Hồng Bàng",
            "from": first, "to": last, "recordTypes": ["lesson_plan"], "scope": ["S01"], "inspectors": ["d1.inspector"]})
        if status != 201:
            raise SystemExit(f"kill-drill: planning an inspection failed: {status} {planned}")
        base = f"/api/v1/inspections/{planned['id']}"
        status, answer = inspector.call("POST", base + "/start", {})
        if status != 200:
            raise SystemExit(f"kill-drill: starting an inspection failed: {status} {answer}")
        items = inspector.call("GET", base + "/items")[1].get("items", [])
        for item in items:
            status, answer = inspector.call("PUT", f"{base}/items/{item['id']}", {"verdict": "compliant"})
            if status != 200:
                raise SystemExit(f"kill-drill: marking a checklist line failed: {status} {answer}")
        return f"inspection {planned['id']} ({len(items)} lines)", \
            lambda: inspector.call("POST", base + "/conclude", {"conclusions": f"Đạt yêu cầu (drill {self.round})."})

    def prepare_report(self):
        # Whoever has the fewest unfinished jobs (a killed job holds a place until its heartbeat is stale).
        pending = {login: int(self.db.value(f"""
            SELECT count(*) FROM report_jobs j JOIN users u ON u.id = j.requested_by
            WHERE u.login = '{login}' AND j.state IN ('queued', 'running')""") or 0) for login, _ in self.reporters}
        login, unit = min(self.reporters, key=lambda r: (pending[r[0]], self.random.random()))
        if pending[login] >= 4:
            time.sleep(5)  # every requester is full: wait for the sweep to free a place
        session = self.session(login)
        fmt = self.random.choice(["pdf", "xlsx", "csv"])
        return f"{fmt} of {unit} by {login}", lambda: session.call(
            "POST", f"/api/v1/units/{unit}/reports", {"format": fmt, "period": "semester", "semester": "1", "year": self.args.year})

    def session(self, login):
        if login not in self.sessions:
            self.sessions[login] = Session(self.args.port, login)
        return self.sessions[login]

    # ----- the checks -----

    def check(self):
        failures = []
        for name, sql in INVARIANTS:
            rows = self.db.rows(sql)
            if rows:
                failures.append(f"{name} (violated by {', '.join(r[0] for r in rows[:5])})")
        tmp = os.listdir(os.path.join(self.blob_dir, "tmp"))
        if tmp:
            failures.append(f"tmp/ is empty after a restart (holds {len(tmp)} files)")
        named = {r[0] for r in self.db.rows("SELECT DISTINCT sha256 FROM blobs")}
        for sha in sorted(named):
            path = os.path.join(self.blob_dir, "objects", sha[:2], sha)
            if not os.path.isfile(path):
                failures.append(f"every blobs row's file exists ({sha} is missing)")
                continue
            if sha not in self.verified:
                digest = hashlib.sha256()
                with open(path, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        digest.update(chunk)
                if digest.hexdigest() != sha:
                    failures.append(f"every stored file hashes to its name ({sha} does not)")
                else:
                    self.verified.add(sha)
        audit = subprocess.run([self.args.bin, "audit", "verify"], env=self.server.env, capture_output=True, text=True)
        if audit.returncode != 0:
            failures.append(f"hoso audit verify passes ({(audit.stdout + audit.stderr).strip()[-300:]})")
        gc = self.gc(dry_run=True)
        listed = [line.split()[1] for line in gc.stdout.splitlines() if line.startswith("object ")]
        uploads = [line for line in gc.stdout.splitlines() if line.startswith("upload ")]
        if gc.returncode != 0:
            failures.append(f"hoso blobs gc --dry-run exits 0 ({gc.stderr.strip()[-300:]})")
        named_now = {r[0] for r in self.db.rows("SELECT DISTINCT sha256 FROM blobs")}
        wrongly = [sha for sha in listed if sha in named_now]
        if wrongly or uploads:
            failures.append(f"blobs gc --dry-run lists only files nothing names ({', '.join(wrongly[:3] + uploads[:3])})")
        self.orphans = len(listed)
        return failures

    def gc(self, dry_run):
        env = dict(self.server.env, HOSO_MIGRATION_DATABASE_URL=self.args.owner_url)
        arguments = [self.args.bin, "blobs", "gc", "--grace-hours", "0"] + (["--dry-run"] if dry_run else [])
        return subprocess.run(arguments, env=env, capture_output=True, text=True)

    # ----- the drill -----

    def run(self):
        args = self.args
        print(f"kill-drill: {args.kills} kills, seed {args.seed}, kill 0-{args.max_delay_ms} ms after the request starts", flush=True)
        started = time.monotonic()
        self.server.start()
        self.sessions = {}
        self.reporters = [("so.officer", "SO"), ("d1.officer", "D01"), ("s1.principal", "S01")]
        self.approvals, self.uploads = self.pools()
        print(f"kill-drill: {len(self.uploads)} items to upload to, {len(self.approvals)} lesson plans to approve", flush=True)
        # Sign everyone in once (sessions live in PostgreSQL: they outlive the kills).
        for login in ["s1.head", "d1.officer", "d1.inspector"] + [r[0] for r in self.reporters]:
            self.session(login)
        for op in OPERATIONS:
            request = (self.prepare_upload(6 * 1024 * 1024) if op == "upload" else getattr(self, "prepare_" + op)())[1]
            began = time.monotonic()
            status, answer = request()
            if status not in (200, 201, 202):
                raise SystemExit(f"kill-drill: a {op} without a kill failed: {status} {answer}")
            # A report's time is until its job is done (it is generated after the answer).
            while op == "report" and time.monotonic() - began < 60 and \
                    self.db.value(f"SELECT state FROM report_jobs WHERE id = {int(answer['id'])}") not in ("done", "failed"):
                time.sleep(0.01)
            self.baseline[op] = time.monotonic() - began
        print("kill-drill: without a kill, " + ", ".join(f"{op} {1000 * t:.0f} ms" for op, t in self.baseline.items()), flush=True)
        for self.round in range(1, args.kills + 1):
            choices = [op for op in OPERATIONS if (op != "upload" or self.uploads) and (op != "approval" or self.approvals)]
            op = self.random.choice(choices)
            label, request = getattr(self, "prepare_" + op)()
            # Uniform over 0..1.5 times the operation's time without a kill (an upload's scaled to its
            # size, a report's until its job is done; at most --max-delay-ms), so that most kills land
            # inside the work.
            took = self.baseline.get(op)
            if op == "upload":
                took = took * self.last_upload_size / (6 * 1024 * 1024) + 0.005
            cap = min(args.max_delay_ms, 1500 * took) if took else args.max_delay_ms
            delay = self.random.uniform(0, cap) / 1000
            outcome = {}

            def send():
                try:
                    outcome["answer"] = request()
                    outcome["at"] = time.monotonic()
                except OSError as error:
                    outcome["error"] = repr(error)

            thread = threading.Thread(target=send)
            began = time.monotonic()
            thread.start()
            time.sleep(delay)
            killed_at = time.monotonic()
            self.server.kill()
            thread.join()
            mid = "at" not in outcome or outcome["at"] > killed_at
            answer = "no answer"
            if not mid:
                status, body = outcome["answer"]
                answer = f"{status}" + ("" if status < 300 else f" {body.get('error', {}).get('code', '')}")
            restart = self.server.start()
            stats = self.stats[op]
            stats["kills"] += 1
            stats["mid" if mid else "after"] += 1
            stats["restarts"].append(restart)
            failures = self.check()
            stats["failures"] += len(failures)
            if op == "report" and not mid and outcome["answer"][1].get("id"):
                # Answered 202: was the report still being generated when the server died?
                state = self.db.value(f"SELECT state FROM report_jobs WHERE id = {int(outcome['answer'][1]['id'])}")
                answer += f", job {state}"
                if state != "done":
                    self.cut_reports += 1
            print(f"kill {self.round:>3}/{args.kills} {op:<10} {label}: killed {1000 * (killed_at - began):.0f} ms in, "
                  f"{'mid-request' if mid else 'after the answer (' + answer + ')'}; restart {restart:.2f} s; "
                  f"orphans {self.orphans}; {'ok' if not failures else 'BROKEN'}", flush=True)
            if failures:
                for failure in failures:
                    print(f"kill-drill: invariant broken: {failure}", file=sys.stderr)
                self.table(time.monotonic() - started)
                self.server.kill()
                return 1
        # The cleanup path: gc removes the orphans, and every invariant still holds after it.
        before = self.orphans
        removed = self.gc(dry_run=False)
        failures = self.check() if removed.returncode == 0 else [f"hoso blobs gc exits 0 ({removed.stderr.strip()})"]
        self.server.kill()
        self.table(time.monotonic() - started)
        print(f"orphaned objects at the end: {before}; `hoso blobs gc --grace-hours 0` removed them "
              f"({removed.stdout.strip().splitlines()[-1] if removed.stdout.strip() else '?'}); left after it: {self.orphans}")
        if failures:
            for failure in failures:
                print(f"kill-drill: invariant broken after gc: {failure}", file=sys.stderr)
            return 1
        return 0

    def table(self, elapsed):
        print()
        print(f"{'operation':<12}{'kills':>7}{'mid-request':>13}{'after answer':>14}{'inv. failures':>15}{'mean restart (s)':>18}")
        total = {"kills": 0, "mid": 0, "after": 0, "failures": 0, "restarts": []}
        for op in OPERATIONS:
            s = self.stats[op]
            for key in total:
                total[key] += s[key]
            mean = sum(s["restarts"]) / len(s["restarts"]) if s["restarts"] else 0
            print(f"{op:<12}{s['kills']:>7}{s['mid']:>13}{s['after']:>14}{s['failures']:>15}{mean:>18.2f}")
        mean = sum(total["restarts"]) / len(total["restarts"]) if total["restarts"] else 0
        print(f"{'total':<12}{total['kills']:>7}{total['mid']:>13}{total['after']:>14}{total['failures']:>15}{mean:>18.2f}")
        print(f"\nreports killed after their 202 while still being generated: {self.cut_reports} of {self.stats['report']['after']}")
        print(f"seed {self.args.seed}; {elapsed / 60:.1f} min in all")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--year", required=True)
    parser.add_argument("--owner-url", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--max-delay-ms", type=float, default=300)
    args = parser.parse_args()
    drill = Drill(args)
    try:
        return drill.run()
    except Broken as error:
        print(f"kill-drill: {error}", file=sys.stderr)
        drill.server.kill()
        return 1
    finally:
        drill.server.kill()


if __name__ == "__main__":
    sys.exit(main())
