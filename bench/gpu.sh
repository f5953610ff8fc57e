#!/usr/bin/env bash
# bench/gpu.sh: the GPU figures of issue 19, on a machine with a GPU, run as is from a checkout:
#
#   bash bench/gpu.sh            # results under bench/results/gpu/, a summary printed at the end
#
# What it runs (headless Chromium on the machine's own adapter, BENCH_ADAPTER=default; WebGPU):
#   1. `bench/models.mjs --paths node,webgpu`: documents per second and milliseconds per 512-token
#      window for each full-size model (BERT-base, DistilBERT, GTE-base, ModernBERT-base; fp32, random
#      weights at the real configs, made locally by bench/make_models.py on first use, never
#      committed) on WebGPU through the fused head, and on onnxruntime-node on the same machine.
#   2. `BENCH_MODEL=<id> bench/fused-head.mjs`: the whole model, fused head against the logits graph +
#      WGSL pooler, windows of 512 tokens (and 2 048 for the 8192-position models): time per batch, peak
#      GPU memory, bytes read back.
#   3. `bench/fused-head.mjs`: the head alone against onnxruntime-web's own MatMul for the same
#      projection (target ≤ 1.2×), at 30522 and 50000 entries, float32 and float16 weights.
# Needs: Node 20+, `npm ci`, Chromium (`apt-get install chromium`), python3 with torch (for the
# models), a GPU with a Vulkan driver Chromium can use. Nothing is downloaded but npm and apt packages.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_ADAPTER=default
command -v chromium >/dev/null || { echo "bench/gpu.sh: Chromium is missing (apt-get install -y chromium)" >&2; exit 1; }
[ -d node_modules ] || ONNXRUNTIME_NODE_INSTALL=skip npm ci
out=bench/results/gpu
mkdir -p "$out"

echo "== 1. documents per second, WebGPU (fused head) and onnxruntime-node, fp32"
node bench/models.mjs --paths node,webgpu --docs 32 --gpu-docs 32 --gpu-chars 600 --warmup 2 \
  --out "$out/models.json" | tee "$out/models.txt"

echo "== 2. the whole model, fused head against the logits graph + WGSL pooler"
for id in naver/splade-v3 opensearch-project/opensearch-neural-sparse-encoding-doc-v3-distill \
  opensearch-project/opensearch-neural-sparse-encoding-doc-v3-gte telepix/PIXIE-Splade-Preview; do
  windows=512
  case "$id" in *gte | *PIXIE*) windows=512,2048 ;; esac
  BENCH_MODEL="$id" BENCH_WINDOWS="$windows" BENCH_ROWS=4 node bench/fused-head.mjs | tee -a "$out/fused-model.txt"
done

echo "== 3. the head alone against onnxruntime's MatMul"
for vocab in 30522 50000; do
  for weights in float32 float16; do
    BENCH_VOCAB="$vocab" BENCH_WEIGHTS="$weights" node bench/fused-head.mjs | tee -a "$out/fused-head.txt"
  done
done
cp bench/results/fused-head.json bench/results/fused-head-model.json "$out/" 2>/dev/null || true
echo "bench/gpu.sh: done; figures in $out/ (put them in README.md, section 'The encoder')"
