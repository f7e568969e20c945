#!/usr/bin/env bash
# ONNX Runtime for Java, CPU, inference images/s of the models bench/export_onnx.py wrote.
#   bench/onnx/run.sh ONNX_DIR [MODELS (squeezenet,resnet50,vgg16)] [BATCH (16)] [ITERATIONS (5)] [WARMUP (1)] [THREADS (2)] [PROFILE_PREFIX]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/../../mvnw" -B -ntp -q -f "$here/pom.xml" dependency:build-classpath -Dmdep.outputFile="$here/target/cp.txt" >&2
java -Xmx8g -cp "$(cat "$here/target/cp.txt")" "$here/OrtBench.java" "$1" "${2:-squeezenet,resnet50,vgg16}" "${3:-16}" \
  "${4:-5}" "${5:-1}" "${6:-2}" ${7:+"$7"}
