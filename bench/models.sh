#!/usr/bin/env bash
# Backbone speed, TransferKit (DL4J) vs PyTorch (Debian's python3-torch + python3-torchvision, 2 threads),
# side by side in one run: inference, frozen-backbone step, full step, partial step (top blocks trainable);
# images/s and the ratio.
#   bench/models.sh [MODELS (squeezenet,resnet50,vgg16)] [BATCH (16)] [ITERATIONS (5)] [MODES] [UNFREEZE (0: per model)]
# PyTorch is measured at its best: libblas.so.3 must be OpenBLAS (apt-get install libopenblas0-pthread; checked
# below, and by torch_models.py) and glibc keeps freed buffers (GLIBC_TUNABLES below), else Debian's torch 1.13
# runs several times slower than it can.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
models="${1:-squeezenet,resnet50,vgg16}"
batch="${2:-16}"
iters="${3:-5}"
modes="${4:-inference,frozen_step,full_step}"
unfreeze="${5:-0}"
blas=$(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | awk '$1=="Value:" { print $2 }')
case "$blas" in
  *openblas*|*mkl*) echo "pytorch: libblas.so.3 -> $blas" ;;
  *) echo "pytorch: libblas.so.3 is '${blas:-not set}', not OpenBLAS: PyTorch would run on the slow reference BLAS." >&2
     echo "  fix: apt-get install libopenblas0-pthread (or set TORCH_BENCH_ALLOW_SLOW_BLAS=1 to measure anyway)" >&2
     [ "${TORCH_BENCH_ALLOW_SLOW_BLAS:-}" = 1 ] || exit 1 ;;
esac
export GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736   # for the python side only
echo "pytorch: GLIBC_TUNABLES=$GLIBC_TUNABLES"
"$here/transferkit" --version >/dev/null   # builds if needed
# each model's result lines are printed as they come (VGG16's full step takes minutes) and kept for the ratios
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT
env -u GLIBC_TUNABLES java -Xmx8g -jar "$here/toolkit-examples/target/transferkit.jar" bench models --model "$models" \
  --mode "$modes" --batch "$batch" --iterations "$iters" --warmup 1 --unfreeze "$unfreeze" | grep --line-buffered '^model=' \
  | tee "$lines"
java_out=$(cat "$lines")
py=/usr/bin/python3
if ! $py -c 'import torchvision' 2>/dev/null; then
  echo "torchvision missing: apt-get install python3-torch python3-torchvision"; exit 1
fi
$py "$here/bench/torch_models.py" "$models" "$batch" "$iters" 1 "$modes" "$unfreeze" | tee "$lines"
torch_out=$(cat "$lines")
val() { echo "$1" | awk -v m="$2" -v o="$3" '$1=="model="m && $2=="mode="o { for (i=1;i<=NF;i++) if ($i ~ /^images_per_s=/) { split($i,a,"="); print a[2] } }'; }
for m in ${models//,/ }; do
  for o in ${modes//,/ }; do
    j=$(val "$java_out" "$m" "$o"); t=$(val "$torch_out" "$m" "$o")
    [ -n "$j" ] && [ -n "$t" ] && awk -v m="$m" -v o="$o" -v j="$j" -v t="$t" \
      'BEGIN { printf "ratio model=%s mode=%s transferkit=%.2f pytorch=%.2f ratio=%.2fx\n", m, o, j, t, j / t }'
  done
done
