// The gate's scanner: rear camera, continuous QR decoding, one full-screen answer per ticket.
// Online, the server decides (POST /api/v1/scans); when it is unreachable or slower than 1.5 s,
// the phone decides alone from its gate list and queues the scan for upload (gate/sync.js).
// Words come from the server: the page's configuration (#scanner-config, rendered by
// checkin/gate/scanner_config.py) and each online answer's `message`. This module reads the
// configuration and wires the parts together; it alone holds the page's state.
import { GateList } from "../gate/list.js";
import { Store } from "../gate/store.js";
import { Link, SignedOut } from "../gate/sync.js";
import { groupGate } from "../gate/group.js";
import { camera } from "./camera.js";
import { handActions } from "./lookup.js";
import { offlineQueue } from "./queue.js";
import { resultScreen } from "./results.js";

const COUNTERS_EVERY_MS = 15000;
// Hand-typed actions need the server (there is nothing to decide them offline).
const REQUEST_TIMEOUT_MS = 8000;

const $ = (selector) => document.querySelector(selector);

function direction() {
  const checked = document.querySelector("input[name=direction]:checked");
  return checked ? checked.value : "in";
}

function newScanId() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

function registerServiceWorker(config) {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(config.urls.serviceWorker, { scope: config.swScope }).catch(() => {
    // No offline start-up for this page (e.g. a private window); scanning still works.
  });
}

async function start() {
  const config = JSON.parse($("#scanner-config").textContent);
  const { words, urls } = config;
  const root = $("#scanner");
  // From the start of decoding the frame that held a new code to its answer painted, per scan:
  // read by the browser tests (time from QR in view to result on screen).
  const timings = [];
  window.gateTimings = timings;
  let store = null;
  let list = null;
  let link = null;
  let queue = null;
  let groups = null;

  const scanBody = (extra) => ({ show: config.show, gate: config.gate, direction: direction(),
    client_scan_id: newScanId(), scanned_at: new Date().toISOString(), ...extra });
  // Through the link's request (the session's CSRF token, the page's language); a 401 throws SignedOut.
  const post = (url, body) => link.request(url, { method: "POST", body, timeout: REQUEST_TIMEOUT_MS });

  async function refreshCounters() {
    if (link && !link.online) return;
    try {
      const response = await fetch(urls.counters, { credentials: "same-origin" });
      if (!response.ok) return;
      const counters = await response.json();
      $("#counter-gate").textContent = counters.gate_admitted;
      $("#counter-inside").textContent = counters.inside;
      $("#counter-capacity").textContent = counters.capacity;
    } catch (error) {
      // Offline: the counters wait for the network like the scans do.
    }
  }

  // The session ended (signed out elsewhere, password changed): the list and its names go; the
  // queue stays for the next sign-in.
  async function signedOut() {
    await store.forgetOnSignOut(config.pageCache);
    await list.load();
    queue.showList();
    root.dataset.signedOut = "true";
    $("#signed-out").hidden = false;
  }

  async function scan(payload) {
    // A school group's pass (its own QR kind): the group's panel, from the phone's list offline.
    if (payload.startsWith("G1:")) {
      try {
        await groups.open(payload);
      } catch (error) {
        if (!(error instanceof SignedOut)) results.show({ tone: "red", message: words.needsNetwork });
        else await signedOut();
      }
      return { result: "group" };
    }
    const body = scanBody({ payload });
    let answer = null;
    try {
      answer = await link.scan(body);
    } catch (error) {
      if (!(error instanceof SignedOut)) throw error;
      await signedOut();
    }
    if (answer && answer.status === 200) {
      results.show(answer.data);
      list.learnFrom(answer.data, { gate: body.gate, now: Date.parse(body.scanned_at) }).catch(() => {
        // Not learnt: the next download of the list brings the same news.
      });
      refreshCounters();
      return answer.data;
    }
    if (answer) {
      const failed = { tone: "red", message: (answer.data.error && answer.data.error.message) || words.error };
      results.show(failed);
      return failed;
    }
    return queue.decide(body);
  }

  // What a tap or a form can reach before the offline part is ready.
  const results = resultScreen({ words, onDismiss: () => lens.release() });
  const lens = camera({ root, urls, words, results, onCode: scan, timings });
  handActions({ config, post, scanBody, direction, newScanId, results, onAnswered: refreshCounters, signedOut });

  // The offline part first (it needs no network), then the camera.
  registerServiceWorker(config);
  store = await Store.open();
  list = new GateList(store, config.show, { nobleUrl: urls.noble });
  queue = offlineQueue({ root, config, store, list, results, onQueued: () => link.schedule() });
  queue.showMode(navigator.onLine !== false);
  await list.load();
  await queue.adoptLegacy();
  link = new Link({
    urls: { scan: urls.scan, batch: urls.batch, list: urls.list },
    csrf: config.csrf, lang: config.lang, store, list,
    events: {
      mode: (online) => {
        queue.showMode(online);
        if (online) refreshCounters();
      },
      pending: queue.showPending,
      synced: queue.showList,
      uploaded: () => {
        lens.say(words.sent);
        refreshCounters();
      },
      signedOut,
    },
  });
  groups = groupGate({ config, post, scanBody, onDone: refreshCounters,
    offline: { list, store, link, pending: queue.showPending } });
  queue.showList();
  queue.showPending(await store.pending());
  link.start();
  setInterval(refreshCounters, COUNTERS_EVERY_MS);
  refreshCounters();
  lens.start();
}

start();
