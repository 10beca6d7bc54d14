# Convolutions course: `make` builds and grades everything, `make test` tests it.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# nbgrader shells out to `alembic`, so the environment's bin/ must be on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
ASSIGNMENT := convolutions
# Worker processes for `make grade`; empty means one per core.
JOBS ?=

.DEFAULT_GOAL := all
.PHONY: all help setup system-deps release import grade autograde feedback grades export report summary \
        test test-quick lab bench bench-500 samples hidden-inputs lint clean known-mistakes

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

all: setup release grade export summary ## set up, release, grade the sample class: feedback, grades.csv, the report and the LMS exports

DEBIAN_PACKAGES := bubblewrap libseccomp2 chromium chromium-driver
system-deps: ## install Debian packages: bubblewrap and libseccomp2 (sandbox), chromium + driver (browser tests)
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq --no-install-recommends $$missing; fi

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

setup: system-deps $(VENV)/.installed ## create .venv with pinned dependencies

release: setup known-mistakes ## generate release/ from source/ (nbgrader generate_assignment)
	nbgrader generate_assignment $(ASSIGNMENT) --force

known-mistakes: setup ## precompute what classic mistakes give on the visible checks (known_mistakes.json)
	PYTHONPATH=tests $(PY) -m tools.known_mistakes

grade: setup ## grade submitted/ in parallel (JOBS=N), resumable; then grades.csv and the report
	$(PY) -m convgrade.cli grade $(ASSIGNMENT) $(if $(JOBS),--jobs $(JOBS)) $(if $(FORCE),--force)

autograde: setup ## the same grading with plain `nbgrader autograde`, one student at a time
	$(PY) -m convgrade.cli check-config
	nbgrader autograde $(ASSIGNMENT) --force

feedback: setup ## write feedback/ HTML for every autograded submission
	nbgrader generate_feedback $(ASSIGNMENT) --force

grades: setup ## export grades.csv from the gradebook
	nbgrader export --to grades.csv

# nbgrader's own export plugins (convgrade/reports/lms.py); ROSTER=file.csv maps student ids
# to LMS identities (student_id plus name, canvas_id, sis_user_id, sis_login_id, section,
# email, idnumber, username).
LMS_EXPORT = nbgrader export $(if $(ROSTER),--LmsExport.roster=$(ROSTER))
export: setup ## write exports/canvas.csv and exports/moodle.csv for LMS import (ROSTER=roster.csv)
	$(LMS_EXPORT) --exporter=convgrade.reports.lms.CanvasExport --to exports/canvas.csv
	$(LMS_EXPORT) --exporter=convgrade.reports.lms.MoodleExport --to exports/moodle.csv

report: setup ## write reports/convolutions.html: score distribution, check failures, mistakes
	$(PY) -m convgrade.cli report

summary: setup ## print each student's score and what went wrong while grading
	$(PY) -m convgrade.cli summary
	$(PY) -m convgrade.cli problems

test: setup ## run the test suite
	$(PY) -m pytest --durations=40

test-quick: setup ## the test suite without the slow end-to-end tests (kernels, nbgrader, browser)
	$(PY) -m pytest -m "not e2e"

lab: setup ## start JupyterLab here (formgrader at /formgrader, Nbgrader menu in JupyterLab)
	$(VENV)/bin/jupyter lab --no-browser

bench: setup ## time `make grade` against nbgrader autograde + generate_feedback: all-correct and mixed class (N=students)
	PYTHONPATH=tests $(PY) -m tools.benchmark $(if $(N),--submissions $(N)) $(if $(JOBS),--jobs $(JOBS))

bench-500: setup ## grade 500 submissions (N=), kill at 50%, resume: speed, memory, gradebook size
	PYTHONPATH=tests $(PY) -m tools.bench_scale --submissions $(or $(N),500) $(if $(JOBS),--jobs $(JOBS))

samples: setup ## rebuild the sample students in submitted/ (refuses if anyone else is there)
	PYTHONPATH=tests $(PY) -m tools.samples

# ZIP= an LMS bulk download (.zip) or a folder from `nbgrader collect` (submitted/ layout).
import: setup ## copy submissions from ZIP=download.zip (or a folder) into submitted/; FORCE=1 replaces, keeping a backup
	@test -n "$(ZIP)" || { echo "make import: say which download, e.g. make import ZIP=~/Downloads/submissions.zip" >&2; exit 2; }
	$(PY) -m convgrade.cli import "$(ZIP)" $(ASSIGNMENT) $(if $(FORCE),--force)

hidden-inputs: setup ## regenerate the hidden checks' fixed arrays (review the diff)
	$(PY) tests/hidden/make_inputs.py

lint: setup ## ruff lint and format check
	$(VENV)/bin/ruff check convgrade tests
	$(VENV)/bin/ruff format --check convgrade tests

clean: ## remove the environment and caches (keeps committed results)
	rm -rf $(VENV) .pytest_cache .ruff_cache
