# qualflow — set-up, run, test and benchmark with nothing but Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(abspath $(VENV))/bin
STAMP  := $(VENV)/.installed
CORES  ?= 4

# Tools run from the venv (snakemake's jobs and the notebook kernels find the same Python).
export PATH := $(BIN):$(PATH)

.PHONY: setup setup-slurm run test test-fast test-tiny test-slurm lint bench bench-1000 report dryrun clean-results lock

setup: $(STAMP)

$(STAMP): requirements.txt requirements-no-deps.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt -r requirements-no-deps.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup-slurm: $(VENV)/.installed-slurm  ## the Slurm executor plugin, pinned (README "Clusters")

$(VENV)/.installed-slurm: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt snakemake-executor-plugin-slurm
	touch $@

run: setup           ## run the whole pipeline on the study in this folder
	$(BIN)/snakemake --cores $(CORES)

test: setup          ## the whole test suite (unit + end-to-end)
	$(BIN)/python -m pytest -q

test-fast: setup     ## unit tests only
	$(BIN)/python -m pytest -q -m "not e2e"

test-tiny: setup      ## the tiny study (.test/, 4 transcripts) end to end, directly and as a module
	$(BIN)/python -m pytest -q tests/test_tiny_study.py

test-slurm: setup-slurm  ## demo (or SCALE=10) on a real one-node Slurm cluster vs a local run (root; not in `test`)
	CORES=2 BIN=$(BIN) bash benchmarks/slurm_vs_local.sh

lint: setup
	$(BIN)/ruff check src tests benchmarks workflow/scripts tools
	$(BIN)/python tools/pins.py --check
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules

bench: setup         ## whole pipeline at 1x/10x/100x (time + peak memory per rule, growth), per-job cost, agreement
	nice $(BIN)/python benchmarks/run_all.py

bench-1000: setup    ## the 1,000x study (10x replicated x100, ~29,000 transcripts, ~2 GB; hours): adds x1000 to benchmarks/out/scale.json
	df -h $${TMPDIR:-/tmp}
	nice $(BIN)/python benchmarks/bench_scale.py --scales 1000 --keep-going

report: setup        ## self-contained HTML report of every figure and table
	$(BIN)/snakemake --cores $(CORES)
	$(BIN)/snakemake --report results/report.html

lock: setup          ## clean the transcripts and record the texts coders get (data/text_lock.csv)
	$(BIN)/snakemake --cores $(CORES) clean_texts
	$(BIN)/qualflow lock

dryrun: setup
	$(BIN)/snakemake -n

clean-results:
	rm -rf results logs .snakemake
