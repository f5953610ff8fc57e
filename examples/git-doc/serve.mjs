#!/usr/bin/env node
// Serves examples/git-doc/dist as a static host does (examples/shared/serve.mjs): gzip, Range
// requests, content-hashed files cacheable forever. `node serve.mjs [port]` (default 8080).
import { serveExample } from '../shared/serve.mjs';

export const serve = await serveExample(import.meta.url, 'git-doc search');
