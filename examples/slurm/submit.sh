#!/bin/bash
# Renders one script on a Slurm cluster: a plan, one array task per scene, then a stitch job that
# Slurm starts only when every scene task succeeded (--dependency=afterok).
#
#   examples/slurm/submit.sh SCRIPT OUTPUT.mp4 [plan options, e.g. --provider template --size 1280x720]
#
# Run it from a folder every node sees: the plan, the scene clips and the video are written beside OUTPUT.
set -euo pipefail

script=${1:?usage: submit.sh SCRIPT OUTPUT.mp4 [plan options]}
output=${2:?usage: submit.sh SCRIPT OUTPUT.mp4 [plan options]}
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The plan: scenes, providers, lengths and output paths, recorded in the job store. Nothing is spent yet.
export PLAN="${output%.*}.plan.json"
export OUTPUT="$output"
mia-stitch plan "$script" -o "$PLAN" --overwrite "$@"

# One array task per scene; the plan file is pretty JSON with one "sceneNumber" per scene.
scenes=$(grep -c '"sceneNumber"' "$PLAN")

# sbatch passes this environment (PLAN, OUTPUT, provider keys) on to the jobs (--export=ALL).
scene_job=$(sbatch --parsable --array="1-$scenes" "$here/scene.sbatch")
stitch_job=$(sbatch --parsable --dependency="afterok:$scene_job" "$here/stitch.sbatch")
echo "plan $PLAN: $scenes scene tasks in job $scene_job; stitch job $stitch_job writes $OUTPUT"
