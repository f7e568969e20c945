#!/usr/bin/env bash
# Decode + resize (224, squash) + normalize throughput over ../shared/datasets/hymenoptera (or DIR):
# TransferKit's ImagePipeline with 1 and 2 threads vs torchvision ImageFolder + PIL + DataLoader with
# 0 and 2 workers, side by side in one run. Needs Debian's python3-torchvision (apt-get install).
#   bench/decode.sh [DIR] [PASSES]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
data="${1:-$here/../shared/datasets/hymenoptera}"
passes="${2:-3}"
if [ ! -d "$data/train" ]; then
  echo "skipped: $data/train is absent (real data lives in ../shared beside the checkout)"; exit 0
fi
"$here/transferkit" --version >/dev/null   # builds if needed
java_out=$(java -cp "$here/toolkit-examples/target/transferkit.jar" org.transferkit.examples.cli.TransferKitCli \
  bench decode --size 224 --passes "$passes" --threads 1,2 "$data/train" "$data/val")
echo "$java_out"
py=/usr/bin/python3
if ! $py -c 'import torchvision' 2>/dev/null; then
  echo "torchvision missing: apt-get install python3-torchvision"; exit 1
fi
tv0=$($py "$here/bench/torchvision_decode.py" 224 "$passes" 0 "$data/train" "$data/val")
tv2=$($py "$here/bench/torchvision_decode.py" 224 "$passes" 2 "$data/train" "$data/val")
echo "torchvision $tv0"
echo "torchvision $tv2"
j2=$(echo "$java_out" | awk '/threads=2/ {for (i=1;i<=NF;i++) if ($i ~ /^images_per_s=/) {split($i,a,"="); print a[2]}}')
t2=$(echo "$tv2" | awk '{for (i=1;i<=NF;i++) if ($i ~ /^images_per_s=/) {split($i,a,"="); print a[2]}}')
awk -v j="$j2" -v t="$t2" 'BEGIN { printf "ratio TransferKit 2 threads / torchvision 2 workers: %.2fx\n", j / t }'
