// The splade-web demo's service worker. Same-origin GET requests go to the network first and a
// copy of each answer is kept; when the network fails, the kept copy answers. So an online visit
// always gets the current build, and after one visit the demo (app, onnxruntime-web's module and
// WASM, the models it loaded) works with the network off. Cross-origin requests (a hub model) are
// left alone: the library keeps those files in its own Cache API cache.
const CACHE = 'splade-demo-v1';

self.addEventListener('install', (event) => {
  // The page shell, so an offline reload opens even if the first visit ended early.
  const shell = new URL('demo/', self.registration.scope).href;
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const res = await fetch(shell, { cache: 'no-store' });
        if (res.ok) {
          await cache.put(shell, res.clone());
          const html = await res.text();
          const assets = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)]
            .map((m) => new URL(m[1], shell).href)
            .filter((u) => u.startsWith(self.location.origin));
          await Promise.all(
            assets.map(async (u) => {
              const r = await fetch(u, { cache: 'no-store' });
              if (r.ok) await cache.put(u, r);
            }),
          );
        }
      } catch {
        // Offline at install: the runtime copies below still fill the cache on the next visit.
      }
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys())
        if (name !== CACHE && name.startsWith('splade-demo-')) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin || req.headers.has('range')) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      // Navigations are keyed without their query so /demo/?q=x opens offline too.
      const key = req.mode === 'navigate' ? url.origin + url.pathname : req.url;
      try {
        const res = await fetch(req);
        if (res.ok && res.type === 'basic') {
          const copy = res.clone();
          event.waitUntil(cache.put(key, copy).catch(() => {}));
        }
        return res;
      } catch (error) {
        const kept =
          (await cache.match(key)) ??
          (req.mode === 'navigate' ? await cache.match(new URL('demo/', self.registration.scope).href) : undefined);
        if (kept) return kept;
        throw error;
      }
    })(),
  );
});
