/* The field app in the page (loaded for work teams and village officials only): registers the service
   worker, keeps the village's pages in the cache (only what changed), queues visits recorded without signal
   in IndexedDB with a key made on the phone, and sends the queue in order when the network is back. A visit
   the server refuses stays on the phone with the server's reason until it is corrected or discarded. */
(function () {
  "use strict";

  const DB_NAME = "hangjin-field";
  const STORE = "visits";
  const DATA_PREFIX = "field-data-";
  const VISITS_API = "/api/v1/monitoring/visits";
  const REFRESH_EVERY_MS = 5 * 60 * 1000;
  const FETCHES_AT_ONCE = 4;
  const KEY = "field-key";
  const SYNCED_AT = "field-synced-at";
  const VERSIONS = "field-versions"; // id → the version of its kept pages
  const HOUSEHOLDS = "field-households"; // id → label and version, as last kept
  const GUARANTEES = ["education_secure", "medical_secure", "housing_secure", "water_secure"];
  const FIELD_NAMES = {
    household_id: "农牧户",
    visited_on: "走访日期",
    income_per_capita_fen: "人均纯收入",
    rigid_expenditure_fen: "刚性支出",
    employment: "就业情况",
    note: "备注",
    "Idempotency-Key": "幂等键",
  };
  const CHANGED = "此户在您保存走访后已在服务器上更新，请核对后选择“仍然同步”或修改。";
  let pendingCount = 0;

  // --- storage: the queue (IndexedDB) and what was kept (localStorage) --------------------------------

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function store(mode, work) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request && request.result);
      tx.onerror = () => reject(tx.error);
    });
  }

  const allVisits = () => store("readonly", (s) => s.getAll());
  const putVisit = (visit) => store("readwrite", (s) => s.put(visit));
  const dropVisit = (key) => store("readwrite", (s) => s.delete(key));
  const dropAllVisits = () => store("readwrite", (s) => s.clear());

  async function queued() {
    const owner = localStorage.getItem(KEY);
    const visits = (await allVisits()) || [];
    return visits.filter((v) => v.owner === owner).sort((a, b) => a.queued_at - b.queued_at);
  }

  const kept = (name) => JSON.parse(localStorage.getItem(name) || "{}");

  async function clearDataCaches() {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith(DATA_PREFIX)).map((n) => caches.delete(n)));
  }

  /** Another user, role or region on this phone: nothing of the last one stays. */
  async function checkOwner(key) {
    const before = localStorage.getItem(KEY);
    if (before && before !== key) {
      await clearDataCaches();
      await dropAllVisits();
      [SYNCED_AT, VERSIONS, HOUSEHOLDS].forEach((name) => localStorage.removeItem(name));
    }
    localStorage.setItem(KEY, key);
  }

  // --- small DOM helpers ----------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([name, value]) => node.setAttribute(name, value));
    children.forEach((child) => node.append(child));
    return node;
  }

  function beijing(iso) {
    if (!iso) return "从未";
    const parts = new Intl.DateTimeFormat("zh-CN", {
      timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hour12: false,
    }).formatToParts(new Date(iso));
    const part = (type) => parts.find((p) => p.type === type).value;
    return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}`;
  }

  function today() {
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  }

  // --- the banner: offline, last sync, what the last sync did ---------------------------------------

  function banner(message, tone) {
    const slot = document.getElementById("field-banner");
    if (!slot) return;
    slot.replaceChildren();
    slot.className = "field-banner" + (tone ? " field-banner-" + tone : "");
    if (!navigator.onLine) {
      slot.className = "field-banner field-banner-offline";
      slot.append(el("strong", {}, "离线"), ` 显示的是本机保存的数据（最近同步 ${beijing(localStorage.getItem(SYNCED_AT))}）。走访记录先保存在本机，联网后自动同步。`);
    } else if (message) {
      slot.append(message);
    }
    slot.hidden = !slot.childNodes.length;
  }

  // --- the queue on the page: 待同步 markers and the list to edit or discard -------------------------

  function statusText(visit) {
    if (visit.status === "refused") return "被退回";
    if (visit.status === "changed") return "待核对";
    return "待同步";
  }

  async function showQueue() {
    const visits = await queued();
    pendingCount = visits.length;
    document.querySelectorAll("[data-pending]").forEach((marker) => {
      const mine = visits.filter((v) => v.household_id === marker.dataset.pending);
      marker.hidden = !mine.length;
      marker.textContent = mine.some((v) => v.status !== "pending") ? "待同步 · 需处理" : "待同步";
    });
    const list = document.getElementById("field-queue");
    if (!list) return;
    const shown = list.dataset.household ? visits.filter((v) => v.household_id === list.dataset.household) : visits;
    list.hidden = !shown.length;
    list.replaceChildren(el("header", { class: "card-head" }, el("h2", {}, `待同步的走访（${shown.length}）`)));
    if (navigator.onLine) {
      const now = el("button", { type: "button", class: "button", "data-field": "sync" }, "立即同步");
      list.firstChild.append(now);
    }
    const items = el("ul", { class: "field-queue" });
    shown.forEach((visit) => {
      const edit = `/monitoring/visits/new?household_id=${visit.household_id}&queued=${visit.key}`;
      const item = el(
        "li",
        { class: "field-visit field-" + visit.status, "data-key": visit.key },
        el("span", { class: "badge badge-pending" }, statusText(visit)),
        " ",
        el("strong", {}, visit.label),
        el("span", { class: "muted" }, ` 走访日期 ${visit.body.visited_on}`),
      );
      if (visit.reason) item.append(el("p", { class: "field-reason", role: "alert" }, visit.reason));
      const actions = el("p", { class: "actions" }, el("a", { class: "button", href: edit }, "修改"));
      if (visit.status === "changed") {
        actions.append(el("button", { type: "button", class: "button", "data-field": "confirm" }, "仍然同步"));
      }
      actions.append(el("button", { type: "button", class: "button", "data-field": "discard" }, "放弃"));
      item.append(actions);
      items.append(item);
    });
    list.append(items);
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-field]");
    if (!button) return;
    const key = button.closest("[data-key]") && button.closest("[data-key]").dataset.key;
    const action = button.dataset.field;
    if (action === "discard") {
      if (!window.confirm("放弃这条走访记录？它尚未发送，放弃后无法恢复。")) return;
      await dropVisit(key);
    } else if (action === "confirm") {
      const visit = (await queued()).find((v) => v.key === key);
      await putVisit({ ...visit, status: "pending", reason: "", confirmed: true });
    }
    if (action !== "discard" && navigator.onLine) await refresh(true);
    await showQueue();
  });

  // --- talking to the gateway -----------------------------------------------------------------------

  class SignedOut extends Error {}

  async function fetchPage(url) {
    const response = await fetch(url, { credentials: "same-origin", redirect: "manual" });
    if (response.type === "opaqueredirect" || response.status === 401) throw new SignedOut();
    return response;
  }

  async function reasonOf(response) {
    let problem = {};
    try {
      problem = await response.json();
    } catch (error) {
      return `服务器拒绝了这条走访（${response.status}）。`;
    }
    const fields = (problem.errors || []).map((e) => `${FIELD_NAMES[e.field] || e.field}：${e.reason}`);
    if (response.status === 404) fields.unshift("未找到该农牧户，或该户已不在您的嘎查村。");
    return fields.length ? fields.join("；") : problem.detail || problem.title || `服务器拒绝了这条走访（${response.status}）。`;
  }

  /** Send the queue in order, each visit with its own key: a visit the server already has answers as
      recorded, never twice. Stops at a lost network, a server down or a session ended. */
  async function send(list) {
    const versions = Object.fromEntries(list.households.map((h) => [h.id, h.version]));
    let sent = 0;
    for (const visit of await queued()) {
      if (visit.status === "refused" || visit.status === "changed") continue;
      if (!visit.confirmed && versions[visit.household_id] && visit.version !== versions[visit.household_id]) {
        await putVisit({ ...visit, status: "changed", reason: CHANGED });
        continue;
      }
      let response;
      try {
        response = await fetch(VISITS_API, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": list.csrf, "Idempotency-Key": visit.key },
          body: JSON.stringify(visit.body),
        });
      } catch (error) {
        await putVisit({ ...visit, reason: "网络中断，联网后将自动重试。" });
        return { sent, stopped: "网络中断，未发送完的走访联网后将自动重试。" };
      }
      if (response.ok) {
        await dropVisit(visit.key);
        sent += 1;
      } else if (response.status === 401) {
        return { sent, stopped: "登录已过期，请重新登录后同步。" };
      } else if (response.status >= 500) {
        await putVisit({ ...visit, reason: "服务器暂时无法处理，稍后将自动重试。" });
        return { sent, stopped: "服务器暂时无法处理，稍后将自动重试。" };
      } else {
        await putVisit({ ...visit, status: "refused", reason: await reasonOf(response) });
      }
    }
    return { sent, stopped: null };
  }

  async function pool(items, work) {
    const queue = items.slice();
    const workers = Array.from({ length: FETCHES_AT_ONCE }, async () => {
      while (queue.length) await work(queue.shift());
    });
    await Promise.all(workers);
  }

  /** Keep the village's pages: the roster, and each household's summary and form when it changed. Pages
      of households no longer in the caller's village are dropped. */
  async function keep(list) {
    const cache = await caches.open(DATA_PREFIX + list.key);
    const before = kept(VERSIONS);
    const versions = {};
    const households = {};
    const wanted = new Set(list.pages);
    const fetches = [];
    const rosterKeptBySw = location.pathname === "/roster" && navigator.serviceWorker.controller;
    if (!rosterKeptBySw || !(await cache.match("/roster"))) fetches.push(...list.pages);
    for (const household of list.households) {
      household.pages.forEach((page) => wanted.add(page));
      households[household.id] = { label: household.label, version: household.version };
      const missing = !(await cache.match(household.pages[0])) || !(await cache.match(household.pages[1]));
      if (before[household.id] === household.pages_version && !missing) {
        versions[household.id] = household.pages_version;
      } else {
        fetches.push(...household.pages.map((page) => [page, household]));
      }
    }
    await pool(fetches, async (job) => {
      const [page, household] = Array.isArray(job) ? job : [job, null];
      const response = await fetchPage(page);
      if (!response.ok) return;
      await cache.put(page, response);
      if (household) versions[household.id] = household.pages_version;
    });
    for (const request of await cache.keys()) {
      const url = new URL(request.url);
      if (!wanted.has(url.pathname + url.search)) await cache.delete(request);
    }
    localStorage.setItem(VERSIONS, JSON.stringify(versions));
    localStorage.setItem(HOUSEHOLDS, JSON.stringify(households));
    localStorage.setItem(SYNCED_AT, list.synced_at);
  }

  let running = null;
  let again = false;

  /** Online: who is signed in, send the queue, keep the pages fresh. `now` skips the five-minute pause
      (asked while a run is under way, another run follows it). */
  function refresh(now) {
    if (running) {
      again = again || now;
      return running;
    }
    const lastSync = Date.parse(localStorage.getItem(SYNCED_AT) || "") || 0;
    running = (async () => {
      const waiting = (await queued()).length;
      if (!now && !waiting && location.pathname !== "/roster" && Date.now() - lastSync < REFRESH_EVERY_MS) return;
      let list;
      try {
        const response = await fetchPage("/field/offline.json");
        if (!response.ok) return;
        list = await response.json();
      } catch (error) {
        if (!(error instanceof SignedOut)) return;
        await clearDataCaches(); // the session ended: the village's pages go, unsent visits wait for sign-in
        if (waiting) banner(el("span", {}, `登录已过期，本机有 ${waiting} 条走访待同步，请`, el("a", { href: "/login?next=/roster" }, "重新登录"), "后同步。"), "warn");
        return;
      }
      await checkOwner(list.key);
      const sync = () => send(list);
      const result = navigator.locks ? await navigator.locks.request("field-sync", sync) : await sync();
      await showQueue();
      const left = pendingCount;
      if (result.sent || result.stopped || left) {
        const words = [result.sent ? `已同步 ${result.sent} 条走访。` : "", result.stopped || "", left ? `还有 ${left} 条走访待处理。` : ""];
        banner(el("span", {}, words.join(" ").trim()), result.stopped || left ? "warn" : "ok");
      }
      await keep(list);
      await navigator.serviceWorker.ready;
      document.documentElement.dataset.fieldSynced = list.synced_at;
    })()
      .catch(() => undefined)
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          refresh(true);
        }
      });
    return running;
  }

  // --- the visit form: saved on the phone when offline, or when correcting a queued visit -----------

  function yuanToFen(raw) {
    const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(String(raw).replace(/[,，\s]/g, ""));
    if (!match) return null;
    const fen = Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0"));
    return fen <= 100000000 ? fen : null;
  }

  /** The API's body for the form's values, or the problems to show (in the form's own words). */
  function visitBody(values) {
    const problems = [];
    const body = {
      household_id: values.household_id,
      visited_on: values.visited_on,
      income_per_capita_fen: yuanToFen(values.income_yuan),
      rigid_expenditure_fen: yuanToFen(values.rigid_yuan),
      employment: values.employment.trim() || null,
      note: values.note,
    };
    if (!/^\d{4}-\d{2}-\d{2}$/.test(values.visited_on)) problems.push("请选择走访日期");
    else if (values.visited_on > today()) problems.push("走访日期不能晚于今天");
    if (body.income_per_capita_fen === null) problems.push("请填写家庭人均纯收入（元，最多两位小数）");
    if (body.rigid_expenditure_fen === null) problems.push("请填写刚性支出（元，最多两位小数）");
    const labels = { education_secure: "义务教育", medical_secure: "基本医疗", housing_secure: "住房安全", water_secure: "饮水安全" };
    GUARANTEES.forEach((name) => {
      if (values[name] !== "yes" && values[name] !== "no") problems.push(`请选择${labels[name]}是否有保障`);
      body[name] = values[name] === "yes";
    });
    return { body, problems };
  }

  function formValues(form) {
    const data = new FormData(form);
    const names = ["household_id", "visited_on", "income_yuan", "rigid_yuan", "employment", "note", ...GUARANTEES];
    return Object.fromEntries(names.map((name) => [name, String(data.get(name) || "")]));
  }

  function fill(form, values) {
    Object.entries(values).forEach(([name, value]) => {
      if (GUARANTEES.includes(name)) {
        form.querySelectorAll(`input[name=${name}]`).forEach((radio) => {
          radio.checked = radio.value === value;
        });
      } else if (form.elements[name]) {
        form.elements[name].value = value;
      }
    });
  }

  async function visitForm(form) {
    const editing = new URLSearchParams(location.search).get("queued");
    const visit = editing && (await queued()).find((v) => v.key === editing);
    const section = form.closest("#visit-form");
    if (visit) {
      fill(form, visit.form);
      const note = el("p", { class: "alert alert-warn", role: "status" }, "正在修改一条尚未发送的走访，保存后仍在本机待同步。");
      if (visit.reason) note.append(el("br"), "服务器的答复：" + visit.reason);
      section.prepend(note);
    } else if (!navigator.onLine) {
      form.elements.visited_on.value = today(); // the kept form carries the day it was kept
    }
    document.addEventListener(
      "submit",
      async (event) => {
        if (event.target !== form || (navigator.onLine && !visit)) return; // online: the form posts as usual
        event.preventDefault();
        event.stopImmediatePropagation();
        const values = formValues(form);
        const { body, problems } = visitBody(values);
        section.querySelectorAll(".field-problems").forEach((node) => node.remove());
        if (problems.length) {
          form.prepend(el("p", { class: "alert alert-error field-problems", role: "alert" }, problems.join("；")));
          return;
        }
        const id = values.household_id;
        const known = kept(HOUSEHOLDS)[id] || {};
        const label = known.label || (section.querySelector("strong") || {}).textContent || id;
        await putVisit({
          key: visit ? visit.key : crypto.randomUUID(),
          owner: localStorage.getItem(KEY),
          household_id: id,
          label,
          body,
          form: values,
          version: known.version || null,
          queued_at: visit ? visit.queued_at : Date.now(),
          status: "pending",
          reason: "",
          confirmed: false,
        });
        section.replaceChildren(
          el("p", { class: "alert alert-ok", role: "status", id: "field-saved" },
            el("strong", {}, "已保存在本机，待同步。"), ` ${label}，走访日期 ${body.visited_on}。联网后将自动发送，不会重复记录。 `,
            el("a", { href: "/field/households/" + id }, "查看该户"), " · ", el("a", { href: "/roster" }, "返回走访花名册")),
        );
        if (navigator.onLine) await refresh(true);
      },
      true,
    );
  }

  // --- sign-out: Clear-Site-Data empties the phone, so say what would be lost -----------------------

  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!form.matches("form.logout") || !pendingCount) return;
      if (!window.confirm(`本机还有 ${pendingCount} 条走访尚未同步，退出登录会删除它们。确定退出吗？`)) {
        event.preventDefault();
      }
    },
    true,
  );

  // --- start ---------------------------------------------------------------------------------------

  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js", { scope: "/" });
  window.addEventListener("online", () => {
    banner(null);
    refresh(true);
  });
  window.addEventListener("offline", () => {
    banner(null);
    showQueue();
  });
  document.addEventListener("DOMContentLoaded", () => {
    banner(null);
    const form = document.querySelector("#visit-form form");
    if (form) visitForm(form);
    showQueue();
    if (navigator.onLine) refresh(false);
  });
})();
