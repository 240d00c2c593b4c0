#!/bin/bash
# `make test-slurm`: the demo study on a real one-node Slurm cluster with the shipped profile
# (workflow/profiles/slurm, unedited), compared with a local run of the same study.
#
# Starts the cluster with the shared local-slurm tool (root; installs Slurm from Debian packages
# the first time), runs both, stops exactly the daemons it started, and fails unless every file
# under results/ is identical between the two runs (logs/ and logs/benchmarks/ hold times
# and are not compared; run-time stamps are masked: benchmarks/compare_results.py). Prints both
# wall times. Not part of `make test`.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$REPO/.venv/bin}
SLURM_TOOLS=${SLURM_TOOLS:-/work/shared/tools/local-slurm}
CORES=${CORES:-2}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/qualflow-slurm.XXXXXX")
export STATE="$WORK/local-slurm"

[ "$(id -u)" = 0 ] || { echo "test-slurm: needs root to start the Slurm daemons" >&2; exit 2; }
"$BIN/python" -c "import snakemake_executor_plugin_slurm" 2>/dev/null ||
  { echo "test-slurm: the Slurm executor plugin is missing: make setup-slurm" >&2; exit 2; }
[ -f "$SLURM_TOOLS/setup.sh" ] || { echo "test-slurm: no $SLURM_TOOLS/setup.sh" >&2; exit 2; }

trap 'bash "$SLURM_TOOLS/stop.sh"' EXIT
bash "$SLURM_TOOLS/setup.sh"

for run in local slurm; do
  mkdir -p "$WORK/$run"
  cp -r "$REPO/data" "$REPO/config.yaml" "$WORK/$run/"
done
# Jobs on the compute node find the same venv on PATH (--export=ALL): a shared filesystem.
export PATH="$BIN:$PATH"

seconds() { date +%s.%N; }
t0=$(seconds)
(cd "$WORK/local" && nice snakemake -s "$REPO/Snakefile" --cores "$CORES" -q > run.log 2>&1) ||
  { tail -40 "$WORK/local/run.log"; exit 1; }
t1=$(seconds)
(cd "$WORK/slurm" && snakemake -s "$REPO/Snakefile" --profile "$REPO/workflow/profiles/slurm" \
  > run.log 2>&1) || { tail -60 "$WORK/slurm/run.log"; exit 1; }
t2=$(seconds)

jobs=$(grep -c "has been submitted with SLURM jobid" "$WORK/slurm/run.log" || true)
awk -v l="$t0" -v m="$t1" -v s="$t2" -v j="$jobs" -v c="$CORES" 'BEGIN {
  printf "local (--cores %s): %.1f s\nslurm (%s Slurm jobs): %.1f s\n", c, m - l, j, s - m }'
# Every file byte-identical, apart from run-time stamps (Office timestamps, notebook execution
# times and random ids), which are masked and listed.
"$BIN/python" "$REPO/benchmarks/compare_results.py" "$WORK/local/results" "$WORK/slurm/results"
echo "work folder: $WORK"
