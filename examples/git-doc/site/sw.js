// Offline after one visit: the page shell is cached when the worker installs, and every page of
// the site opened since (the git-doc pages) as it is fetched. Requests for the index itself
// (search/, except the runtime module) are left to the query runtime, which keeps what it fetched
// in the Cache API and reads it back offline; Range requests are never cached here (a Cache
// cannot hold a 206). Network first, so a rebuilt site is seen as soon as it is online.
const VERSION = '__VERSION__';
const CACHE = `git-doc-shell-${VERSION}`;
const SHELL = ['./', 'index.html', 'search.js', 'search.css', 'search/splade.js'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name.startsWith('git-doc-shell-') && name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || request.headers.has('range')) return;
  const scope = new URL(self.registration.scope);
  const path = url.pathname.slice(scope.pathname.length);
  if (path.startsWith('search/') && path !== 'search/splade.js') return;
  event.respondWith((async () => {
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
  })());
});
