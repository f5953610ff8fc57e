// Runs an ONNX masked-LM with onnxruntime-node (CPU), pools its logits as sentence-transformers'
// SpladePooling does and compares with reference sparse vectors (common.py's onnx_check writes the spec).
// Usage: node scripts/hub_fixtures/check_pooled.mjs <model.onnx> <spec.json> <out.json>
// spec: {inputs: [names], activation: 'relu' | 'log1p_relu', strategy: 'max' | 'sum',
//        runs: [{rows: [text index], dims: [b, t], input_ids: [...], attention_mask: [...]}],
//        vectors: [{indices, values}], output?: name of the logits output (default 'logits')}
//        (token_type_ids, when an input, are zeros)
// Writes {maxAbsDiff, runs: [{rows, maxAbsDiff}]}: the largest |pooled - reference| over every
// vocabulary entry (an entry absent from the reference counts as 0).
import { readFileSync, writeFileSync } from 'node:fs';
import ort from 'onnxruntime-node';

const [modelPath, specPath, outPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'] });
const activate =
  spec.activation === 'relu'
    ? (x) => Math.log1p(Math.max(x, 0))
    : spec.activation === 'log1p_relu'
      ? (x) => Math.log1p(Math.log1p(Math.max(x, 0)))
      : null;
if (!activate) throw new Error(`unknown activation ${spec.activation}`);

const result = { maxAbsDiff: 0, runs: [] };
for (const run of spec.runs) {
  const [b, t] = run.dims;
  const int64 = (values) => new ort.Tensor('int64', BigInt64Array.from(values.map((x) => BigInt(x))), [b, t]);
  const feeds = {};
  for (const name of spec.inputs) {
    if (name === 'input_ids') feeds[name] = int64(run.input_ids);
    else if (name === 'attention_mask') feeds[name] = int64(run.attention_mask);
    else feeds[name] = int64(new Array(b * t).fill(0));
  }
  const logits = (await session.run(feeds))[spec.output ?? 'logits'];
  const vocab = logits.dims[2];
  let runMax = 0;
  run.rows.forEach((textIndex, row) => {
    const pooled = new Float64Array(vocab);
    for (let j = 0; j < t; j++) {
      if (run.attention_mask[row * t + j] !== 1) continue;
      const base = (row * t + j) * vocab;
      for (let k = 0; k < vocab; k++) {
        const v = activate(logits.data[base + k]);
        if (!Number.isFinite(v)) throw new Error(`non-finite logit at text ${textIndex} token ${j} entry ${k}`);
        if (spec.strategy === 'sum') pooled[k] += v;
        else if (v > pooled[k]) pooled[k] = v;
      }
    }
    const expected = new Float64Array(vocab);
    const ref = spec.vectors[textIndex];
    ref.indices.forEach((id, n) => (expected[id] = ref.values[n]));
    for (let k = 0; k < vocab; k++) runMax = Math.max(runMax, Math.abs(pooled[k] - expected[k]));
  });
  result.runs.push({ rows: run.rows, maxAbsDiff: runMax });
  result.maxAbsDiff = Math.max(result.maxAbsDiff, runMax);
}
writeFileSync(outPath, JSON.stringify(result, null, 1));
console.log(`${modelPath}: max |pooled - reference| ${result.maxAbsDiff.toExponential(3)}`);
