// Runs an ONNX model with onnxruntime-node (CPU) on given feeds and compares with expected logits.
// Usage: node scripts/check_onnx.mjs <model.onnx> <feeds.json> <out.json>
// feeds.json: {"batches": [{"feeds": {name: {"dims": [...], "data": [...]}}, "expected": "<path .f32>",
//              "mask": [[...]]}]}   expected = raw little-endian float32 logits [b, s, V] (torch)
// Output: {"batches": [{"maxAbsDiff": x, "maxAbsDiffMasked": y}], "inputs": [...], "outputs": [...]}
import { readFileSync, writeFileSync } from 'node:fs';
import ort from 'onnxruntime-node';

const [modelPath, feedsPath, outPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(feedsPath, 'utf8'));
const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'] });
const result = { inputs: session.inputNames, outputs: session.outputNames, batches: [] };
for (const b of spec.batches) {
  const feeds = {};
  for (const [name, t] of Object.entries(b.feeds)) {
    feeds[name] = new ort.Tensor('int64', BigInt64Array.from(t.data.map((x) => BigInt(x))), t.dims);
  }
  const out = await session.run(feeds);
  const logits = out.logits;
  const buf = readFileSync(b.expected);
  const expected = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  if (expected.length !== logits.data.length)
    throw new Error(`size mismatch ${expected.length} vs ${logits.data.length}`);
  const [bs, s, v] = logits.dims;
  let maxAll = 0;
  let maxMasked = 0;
  let nonFinite = 0;
  for (let i = 0; i < bs; i++) {
    for (let j = 0; j < s; j++) {
      const real = b.mask[i][j] === 1;
      const base = (i * s + j) * v;
      for (let k = 0; k < v; k++) {
        const a = logits.data[base + k];
        if (!Number.isFinite(a)) nonFinite++;
        const d = Math.abs(a - expected[base + k]);
        if (d > maxAll) maxAll = d;
        if (real && d > maxMasked) maxMasked = d;
      }
    }
  }
  result.batches.push({ dims: logits.dims, maxAbsDiff: maxAll, maxAbsDiffRealTokens: maxMasked, nonFinite });
}
writeFileSync(outPath, JSON.stringify(result, null, 1));
console.log(`${modelPath}: ${JSON.stringify(result.batches.map((x) => x.maxAbsDiffRealTokens))}`);
