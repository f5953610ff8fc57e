// The native CPU ceiling: the shipped ONNX model on onnxruntime-node, pooled in JS, through the
// same SparseEncoder (Node entry). Prints one JSON line.
import { SparseEncoder } from '../src/node.ts';
import { benchDocuments } from './corpus.mjs';

const [model = './public/models/splade-tiny-en-if', countArg = '64', batchArg = '32'] = process.argv.slice(2);
const { texts } = benchDocuments(Number(countArg));
const enc = await SparseEncoder.fromPretrained(model, { device: 'cpu', batchSize: Number(batchArg) });
await enc.encodeDocument(texts.slice(0, Number(batchArg))); // warm-up
const started = performance.now();
await enc.encodeDocument(texts);
const seconds = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({
    docsPerSec: texts.length / seconds,
    readbackBytesPerDoc: 0,
    logitsBytesPerDoc: enc.lastStats.logitsBytes / texts.length,
    windows: enc.lastStats.windows,
  }),
);
await enc.dispose();
