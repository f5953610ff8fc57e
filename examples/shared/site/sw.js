// Offline after one visit: the page shell is cached when the worker installs, and every page of
// the site opened since (the documentation pages) as it is fetched. The index's data (search/*.json,
// *.bin, a symmetric model's folder) is left to the query runtime and the model loader, which keep
// what they fetched in the Cache API and read it back offline; the index's code (splade.js, a
// symmetric model's encoder module and onnxruntime-web's .mjs and .wasm) is cached here. Range
// requests are never cached here (a Cache cannot hold a 206). Network first, so a rebuilt site is
// seen as soon as it is online.
const VERSION = '__VERSION__';
const NAME = '__NAME__';
const CACHE = `${NAME}-shell-${VERSION}`;
const SHELL = ['./', 'index.html', 'search.js', 'search.css', 'search/splade.js'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys())
        if (name.startsWith(`${NAME}-shell-`) && name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || request.headers.has('range')) return;
  const scope = new URL(self.registration.scope);
  const path = url.pathname.slice(scope.pathname.length);
  if (path.startsWith('search/') && !/^search\/[^/]+\.(?:js|mjs|wasm)$/.test(path)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(request);
        if (response.ok && response.status === 200) await cache.put(request, response.clone());
        return response;
      } catch (error) {
        const cached = await cache.match(request, { ignoreSearch: true });
        if (cached) return cached;
        throw error;
      }
    })(),
  );
});
