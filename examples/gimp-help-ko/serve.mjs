#!/usr/bin/env node
// Serves examples/gimp-help-ko/dist as a static host does (examples/shared/serve.mjs): gzip (the
// .wasm and .onnx included), Range requests, content-hashed files and the model folder cacheable
// forever. `node serve.mjs [port]` (default 8080).
import { serveExample } from '../shared/serve.mjs';

export const serve = await serveExample(import.meta.url, 'gimp-help-ko search');
