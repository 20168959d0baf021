# Hoso. The logic lives in scripts/; this file only names the entry points.
#   make run    build (release), start PostgreSQL + slapd, migrate, import demo tenants, serve
#   make stop   stop the server and the run-mode services
#   make test   throwaway test services + swift test (SWIFT_TEST_ARGS passes options through)
#   make bench  the large synthetic province, a release server, latencies and throughput (a table)
#   make bench-tree  what the dated tree costs: a kept row change, the minute tick, a move, a rebuild
#   make bench-merge  the large synthetic province merged into the demo tenant, timed (a table)
#   make bench-backup  full and differential backups, the restore drill and a restore of the large province, timed
#   make kill-drill  kill -9 a release server mid-upload/approval/conclusion/report KILLS times (100), SEED=n; a table
#   make fuzz   Schemathesis against openapi.yaml on a live test server, longer than in make test
#   make build  debug build
#   make clean  stop everything, remove .build and the state dirs under /tmp

.PHONY: all run stop test bench bench-tree bench-merge bench-backup kill-drill fuzz build clean deps

all: build

run:
	scripts/run.sh

stop:
	scripts/stop.sh

test:
	scripts/test.sh

bench:
	scripts/bench.sh

bench-tree:
	scripts/bench-tree.sh

bench-merge:
	scripts/bench-merge.sh

bench-backup:
	scripts/bench-backup.sh

kill-drill:
	scripts/kill-drill.sh

fuzz:
	scripts/fuzz.sh

build: deps
	swift build

clean:
	scripts/clean.sh

deps:
	scripts/install-deps.sh
