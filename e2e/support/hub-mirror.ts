/**
 * A local stand-in for the Hugging Face hub's file URLs, served by the Vite dev server:
 *   /hub/<owner>/<name>/resolve/<revision>/<path>  ->  public/models/<name>/<path>
 * Tests load hub ids through the real hub code path with `hubUrl` pointing here, so nothing
 * reaches the network. (Real hub: https://huggingface.co/<owner>/<name>/resolve/<revision>/<path>.)
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join, normalize, resolve } from 'node:path';
import type { Plugin } from 'vite';

export function hubMirror(modelsDir = 'public/models'): Plugin {
  const root = resolve(modelsDir);
  return {
    name: 'splade-web-hub-mirror',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const match = /^\/hub\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec((req.url ?? '').split('?')[0]!);
        if (!match) return next();
        const file = normalize(join(root, decodeURIComponent(match[2]!), decodeURIComponent(match[4]!)));
        if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
          res.statusCode = 404;
          res.end('Entry not found');
          return;
        }
        res.setHeader('content-type', 'application/octet-stream');
        res.setHeader('content-length', String(statSync(file).size));
        createReadStream(file).pipe(res);
      });
    },
  };
}
