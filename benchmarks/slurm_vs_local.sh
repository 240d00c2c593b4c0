#!/bin/bash
# `make test-slurm`: a study on a real one-node Slurm cluster with the shipped profile
# (workflow/profiles/slurm, unedited), compared with a local run of the same study.
#
#   bash benchmarks/slurm_vs_local.sh             # the demo study (data/ + config.yaml)
#   SCALE=10 bash benchmarks/slurm_vs_local.sh    # a synthetic study 10x the demo (seed 2019)
#   STUDY=/path/to/study bash benchmarks/...      # a study folder's data/ and config.yaml
#
# Starts the cluster with the shared local-slurm tool (root; installs Slurm from Debian packages
# the first time) unless one is already answering, runs both, stops exactly the daemons it
# started, and fails unless every file under results/ is identical between the two runs (logs/
# and logs/benchmarks/ hold times and are not compared; run-time stamps are masked:
# benchmarks/compare_results.py). Prints both wall times and the machine's load. Not part of
# `make test`.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$REPO/.venv/bin}
SLURM_TOOLS=${SLURM_TOOLS:-/work/shared/tools/local-slurm}
CORES=${CORES:-2}
SCALE=${SCALE:-1}
SEED=${SEED:-2019}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/qualflow-slurm.XXXXXX")
export STATE="$WORK/local-slurm"

[ "$(id -u)" = 0 ] || { echo "test-slurm: needs root to start the Slurm daemons" >&2; exit 2; }
"$BIN/python" -c "import snakemake_executor_plugin_slurm" 2>/dev/null ||
  { echo "test-slurm: the Slurm executor plugin is missing: make setup-slurm" >&2; exit 2; }
[ -f "$SLURM_TOOLS/setup.sh" ] || { echo "test-slurm: no $SLURM_TOOLS/setup.sh" >&2; exit 2; }

# Both runs, and every job on the compute node (sbatch passes the environment on), use this
# checkout's snakemake, library and workflow: the venv and the study sit on a filesystem every
# node sees at the same path (README "Clusters").
export PATH="$BIN:$PATH" PYTHONPATH="$REPO/src${PYTHONPATH:+:$PYTHONPATH}"

if sinfo -h >/dev/null 2>&1; then
  echo "test-slurm: using the Slurm cluster already running (left running)"
else
  trap 'bash "$SLURM_TOOLS/stop.sh"' EXIT
  # The daemons must not inherit our TMPDIR: MariaDB (user mysql) cannot write to a root one.
  env -u TMPDIR bash "$SLURM_TOOLS/setup.sh"
fi

if [ -n "${STUDY:-}" ]; then
  cp -r "$STUDY/data" "$STUDY/config.yaml" "$WORK/"
elif [ "$SCALE" = 1 ]; then
  cp -r "$REPO/data" "$REPO/config.yaml" "$WORK/"
else
  echo "generating a ${SCALE}x study (seed $SEED)"
  rm -rf "$WORK/gen"
  nice python -m qualflow simulate --out "$WORK/gen" --scale "$SCALE" --seed "$SEED" \
    --config "$REPO/config.yaml" > "$WORK/simulate.log"
  mv "$WORK/gen/data" "$WORK/gen/config.yaml" "$WORK/"
fi
for run in local slurm; do
  mkdir -p "$WORK/$run"
  cp -r "$WORK/data" "$WORK/config.yaml" "$WORK/$run/"
done

seconds() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
t0=$(seconds) l0=$(load)
(cd "$WORK/local" && nice snakemake -s "$REPO/Snakefile" --cores "$CORES" -q > run.log 2>&1) ||
  { tail -40 "$WORK/local/run.log"; exit 1; }
t1=$(seconds) l1=$(load)
(cd "$WORK/slurm" && snakemake -s "$REPO/Snakefile" --profile "$REPO/workflow/profiles/slurm" \
  > run.log 2>&1) || { tail -60 "$WORK/slurm/run.log"; exit 1; }
t2=$(seconds) l2=$(load)

jobs=$(grep -c "has been submitted with SLURM jobid" "$WORK/slurm/run.log" || true)
awk -v l="$t0" -v m="$t1" -v s="$t2" -v j="$jobs" -v c="$CORES" -v x="${STUDY:-${SCALE}x the demo}" \
  -v la="$l0" -v lb="$l1" -v lc="$l2" 'BEGIN {
  printf "study: %s\n", x
  printf "local (--cores %s): %.1f s  (load before/after: %s / %s)\n", c, m - l, la, lb
  printf "slurm (%s Slurm jobs): %.1f s  (load after: %s)\n", j, s - m, lc }' |
  tee "$WORK/times.txt"
# Every file byte-identical, apart from run-time stamps (Office timestamps, notebook execution
# times and random ids), which are masked and listed.
"$BIN/python" "$REPO/benchmarks/compare_results.py" "$WORK/local/results" "$WORK/slurm/results"
echo "work folder: $WORK"
