#!/usr/bin/env bash
# One sitting of issue 19's comparisons (docs/benchmarks.md, "The last round: ..."): inference on the same graphs as
# ONNX Runtime (and on torchvision's), Xception's training steps vs PyTorch, phase 2 of --unfreeze 2 vs PyTorch's epoch.
# Run from the checkout's root with the CLI jar built and ../shared beside it, on an otherwise idle machine:
#   bench/issue19_sitting.sh SAME_GRAPH_ONNX_DIR TORCHVISION_ONNX_DIR FEATURE_CACHE_DIR OUT_DIR > sitting.log
# (ONNX dirs from bench/export_onnx.py DIR --as-transferkit and bench/export_onnx.py DIR.)
set -u
[ $# -eq 4 ] || { echo "usage: $0 SAME_GRAPH_ONNX_DIR TORCHVISION_ONNX_DIR FEATURE_CACHE_DIR OUT_DIR" >&2; exit 2; }
SAME=$1 TV=$2 CACHE=$3 OUT=$4
JAR=$PWD/toolkit-examples/target/transferkit.jar
H=$PWD/../shared/datasets/hymenoptera
W=$PWD/../shared/weights/keras/squeezenet_weights_tf_dim_ordering_tf_kernels_notop.h5
up() { echo "## $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
up start
echo "### inference, TransferKit vs ONNX Runtime on the same graphs, 3 rounds"
for r in 1 2 3; do
  for m in squeezenet resnet50 vgg16; do
    up "round $r $m"
    java -Xmx8g -jar $JAR bench models --model $m --mode inference --batch 16 --iterations 5 --warmup 1 2>/dev/null | grep images_per_s
    bench/onnx/run.sh $SAME $m 16 5 1 2 2>/dev/null | sed 's/^/ort-matched /'
  done
done
for m in squeezenet resnet50; do
  up "bounded spin $m"
  GOMP_SPINCOUNT=100000 java -Xmx8g -jar $JAR bench models --model $m --mode inference --batch 16 --iterations 5 --warmup 1 2>/dev/null | grep images_per_s | sed 's/^/spin100k /'
  bench/onnx/run.sh $SAME $m 16 5 1 2 2>/dev/null | sed 's/^/ort-matched /'
done
up "ort torchvision graphs"
bench/onnx/run.sh $TV squeezenet,resnet50,vgg16 16 5 1 2 2>/dev/null | sed 's/^/ort-torchvision /'
echo "### xception steps"
for r in 1 2; do
  up "xception tk round $r"
  java -Xmx8g -jar $JAR bench models --model xception --mode full_step,partial_step --batch 16 --iterations 3 --warmup 1 2>/dev/null | grep images_per_s
  up "xception torch passive round $r"
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/torch_models.py xception 16 3 1 full_step,partial_step 0 2>/dev/null | sed 's/^/torch-passive /'
done
up "xception torch default"
/usr/bin/python3 bench/torch_models.py xception 16 3 1 full_step,partial_step 0 2>/dev/null | sed 's/^/torch-default /'
echo "### phase 2 epoch"
P2="train --train $H/train --val $H/val --backbone squeezenet --weights $W --feature-cache $CACHE --no-baseline --hidden 0 --optimizer sgd --lr 0.001 --epochs 100 --unfreeze 2 --unfreeze-epochs 3"
for r in 1 2; do
  up "tk phase2 plain $r"
  java -Xmx6g -jar $JAR $P2 --out $OUT/classifier.zip 2>&1 | grep -E "^epoch 10[1-3]|training steps run"
  up "torch phase2 plain passive $r"
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/torch_phase2.py $H/train $H/val 3 2>/dev/null | tail -8
done
up "torch phase2 plain default"
/usr/bin/python3 bench/torch_phase2.py $H/train $H/val 3 2>/dev/null | tail -8
up "tk phase2 augment"
java -Xmx6g -jar $JAR $P2 --augment 1 --out $OUT/classifier.zip 2>&1 | grep -E "^epoch 10[1-3]|training steps run"
up "torch phase2 augment passive"
OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/torch_phase2.py $H/train $H/val 3 augment 2>/dev/null | tail -8
up "torch phase2 augment default"
/usr/bin/python3 bench/torch_phase2.py $H/train $H/val 3 augment 2>/dev/null | tail -8
up end
