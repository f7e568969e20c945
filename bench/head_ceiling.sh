#!/usr/bin/env bash
# What a linear head on frozen SqueezeNet features reaches on hymenoptera when the validation images choose nothing,
# for three resize policies and with features averaged over an image and its mirror image (issue 15 evidence).
# Featurizes with `transferkit train` (1 epoch; only the feature cache is used), then bench/linear_probe.py.
#   bench/head_ceiling.sh [SHARED (../shared)] [WORK (/tmp/head-ceiling)]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
shared="${1:-$here/../shared}"
work="${2:-/tmp/head-ceiling}"
data="$shared/datasets/hymenoptera"
weights="$shared/weights/keras/squeezenet_weights_tf_dim_ordering_tf_kernels_notop.h5"
python3 -c 'import numpy, scipy' || { echo "needs numpy and scipy (python3)"; exit 1; }
"$here/transferkit" --version >/dev/null   # builds if needed
mkdir -p "$work"
[ -d "$work/plain" ] || java "$here/bench/flip_copies.java" "$data" "$work/plain" "$work/flipped"
featurize() { # FOLDER RESIZE CACHE
  [ -d "$3" ] || java -Xmx4g -jar "$here/toolkit-examples/target/transferkit.jar" train --train "$1/train" \
    --val "$1/val" --backbone squeezenet --weights "$weights" --resize "$2" --no-baseline --hidden 0 --epochs 1 \
    --feature-cache "$3" --out "$work/out/$(basename "$3")/classifier.zip" | grep -E '^featurized|^feature cache'
}
for r in squash center-crop letterbox; do featurize "$data" "$r" "$work/fc-$r"; done
for r in squash center-crop; do
  featurize "$work/plain" "$r" "$work/fc-plain-$r"
  featurize "$work/flipped" "$r" "$work/fc-flipped-$r"
done
python3 "$here/bench/linear_probe.py" "$data" \
  "squash=$work/fc-squash" "center-crop=$work/fc-center-crop" "letterbox=$work/fc-letterbox" \
  "squash+flip=$work/fc-plain-squash@$work/plain@.png+$work/fc-flipped-squash@$work/flipped@.png" \
  "crop+flip=$work/fc-plain-center-crop@$work/plain@.png+$work/fc-flipped-center-crop@$work/flipped@.png"
