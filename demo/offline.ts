/**
 * Offline: the service worker (public/sw.js) keeps a copy of everything the page fetched from its
 * own origin (the app, onnxruntime-web's module and WASM, the models), refreshed on every online
 * visit. On the first visit the page waits (briefly) for the worker to take control before it
 * loads the model, so the model's files pass through it and are kept: one online visit is enough.
 */
import { byId } from './dom.ts';

const CONTROL_WAIT_MS = 4000;

export async function initOffline(): Promise<void> {
  const el = byId('offline');
  const show = () => {
    el.textContent = navigator.onLine
      ? navigator.serviceWorker?.controller
        ? 'Works offline after this visit'
        : 'Online'
      : 'Offline: using the copy kept by this browser';
  };
  addEventListener('online', show);
  addEventListener('offline', show);
  // The dev server rebuilds modules on the fly: only the built demo is cached.
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) {
    el.textContent = import.meta.env.PROD
      ? 'This browser cannot keep the demo for offline use'
      : 'Development server: no offline copy';
    return;
  }
  try {
    await navigator.serviceWorker.register(new URL('../sw.js', location.href), {
      scope: new URL('../', location.href).pathname,
    });
    if (!navigator.serviceWorker.controller) {
      await Promise.race([
        new Promise<void>((resolve) =>
          navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }),
        ),
        new Promise<void>((resolve) => setTimeout(resolve, CONTROL_WAIT_MS)),
      ]);
    }
  } catch (error) {
    el.textContent = `No offline copy: the service worker could not start (${(error as Error).message})`;
    return;
  }
  show();
}
