/* The field app's service worker (served at /sw.js). It keeps nothing itself but the site's own scripts and
   styles: the village's pages are put in the "field-data-<key>" cache by field.js (and refreshed here when
   opened online). Pages are asked of the network first; only when it cannot answer (no signal, or no answer
   within NETWORK_WAIT_MS) do they come from the cache. Signing out or a session that ended clears the cache. */
"use strict";

const VERSION = "2026-12-06.1";
const STATIC_CACHE = "field-static-" + VERSION;
const DATA_PREFIX = "field-data-";
const STATIC_FILES = [
  "/static/app.css",
  "/static/app.js",
  "/static/htmx-2.0.11.min.js",
  "/static/field.js",
  "/static/field.css",
  "/static/field-icon.svg",
];
const NETWORK_WAIT_MS = 8000;
const HOUSEHOLD_FILE = /^\/households\/([0-9a-f-]{36})$/;
const SUMMARY = /^\/field\/households\/[0-9a-f-]{36}$/;
const OFFLINE_PAGE =
  '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">' +
  '<meta name="viewport" content="width=device-width, initial-scale=1"><title>离线</title>' +
  '<link rel="stylesheet" href="/static/app.css"></head><body><main class="page"><h1>离线</h1>' +
  '<p>当前没有网络，本页未保存在本机。可离线查看的是<a href="/roster">走访花名册</a>、各户摘要和走访表。</p>' +
  "</main></body></html>";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(STATIC_CACHE).then((cache) => cache.addAll(STATIC_FILES)).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("field-static-") && name !== STATIC_CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

/** The address a field page is kept under, or null for a page the app does not keep. Offline, the
    household file (/households/{id}) is answered with the household's summary. */
function keptAs(url) {
  const file = HOUSEHOLD_FILE.exec(url.pathname);
  if (file) return "/field/households/" + file[1];
  if (url.pathname === "/roster" || SUMMARY.test(url.pathname)) return url.pathname;
  const household = url.searchParams.get("household_id");
  if (url.pathname === "/monitoring/visits/new" && household) {
    return "/monitoring/visits/new?household_id=" + household;
  }
  return null;
}

async function clearData() {
  const names = await caches.keys();
  await Promise.all(names.filter((name) => name.startsWith(DATA_PREFIX)).map((name) => caches.delete(name)));
}

async function dataCache() {
  const name = (await caches.keys()).find((each) => each.startsWith(DATA_PREFIX));
  return name ? caches.open(name) : null;
}

function network(request) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no answer")), NETWORK_WAIT_MS);
    fetch(request).then(
      (response) => {
        clearTimeout(timer);
        resolve(response);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** A field page: the network's answer (kept when it is the kept page itself), else the kept copy. A
    redirect or 401 means the session ended: nothing stays. */
async function fieldPage(request, url, key) {
  let response;
  try {
    response = await network(request);
  } catch (error) {
    const kept = await caches.match(key);
    return kept || new Response(OFFLINE_PAGE, { headers: { "Content-Type": "text/html; charset=utf-8" } });
  }
  if (response.type === "opaqueredirect" || response.redirected || response.status === 401) {
    await clearData();
  } else if (response.ok && key === url.pathname + url.search) {
    const cache = await dataCache();
    if (cache) await cache.put(key, response.clone());
  }
  return response;
}

async function staticFile(request) {
  try {
    const response = await network(request);
    if (response.ok) {
      const cache = await caches.open(STATIC_CACHE);
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    return (await caches.match(request, { ignoreSearch: true })) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(request));
  } else if (request.mode === "navigate" && url.pathname === "/login") {
    event.waitUntil(clearData()); // signed out or the session ended: the village's pages go
  } else if (request.mode === "navigate") {
    const key = keptAs(url);
    if (key) event.respondWith(fieldPage(request, url, key));
  }
});
