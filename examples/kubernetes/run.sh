#!/bin/bash
# Renders the script on the shared volume (claim mia-shared, /shared/script.txt) with Kubernetes Jobs:
# plan → an Indexed Job of N scene pods → a stitch Job once all of them succeeded.
#
#   IMAGE=registry.example.com/mia-stitch:1 examples/kubernetes/run.sh
#
# IMAGE is any image with mia-stitch on PATH (and the FFmpeg libraries it links).
set -euo pipefail
: "${IMAGE:?set IMAGE to an image with mia-stitch on PATH}"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fill() { sed -e "s|\${IMAGE}|$IMAGE|g" -e "s|\${SCENES}|${SCENES:-0}|g" "$1"; }

kubectl delete job mia-plan mia-scenes mia-stitch --ignore-not-found
fill "$here/plan-job.yaml" | kubectl apply -f -
kubectl wait --for=condition=complete --timeout=10m job/mia-plan
# The plan job prints the plan's scene count last: it sizes the Indexed Job.
SCENES=$(kubectl logs job/mia-plan | tail -n 1)
fill "$here/scenes-job.yaml" | kubectl apply -f -
kubectl wait --for=condition=complete --timeout=2h job/mia-scenes
fill "$here/stitch-job.yaml" | kubectl apply -f -
kubectl wait --for=condition=complete --timeout=30m job/mia-stitch
echo "done: /shared/video.mp4 on the mia-shared volume"
