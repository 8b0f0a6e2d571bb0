// The phone's side when the server cannot answer: the scan decided from this phone's gate list
// (gate/list.js), kept in the queue for upload (gate/store.js, gate/sync.js), and what the
// header says about it: online or offline, scans waiting, the list's size and age.
import { festivalClock } from "../gate/list.js";
import { fill, offlineKey, sentence } from "../gate/words.js";

// Scans kept by the scanner before the offline gate list (localStorage, no ticket list).
const LEGACY_QUEUE_KEY = "checkin-scan-queue";

// root: the scanner element (data-mode, data-pending, data-list-size say the state to tests);
// onQueued(): a scan joined the queue (the link then plans its upload).
export function offlineQueue({ root, config, store, list, results, onQueued }) {
  const $ = (selector) => document.querySelector(selector);
  const { words } = config;

  function showMode(online) {
    root.dataset.mode = online ? "online" : "offline";
    const badge = $("#net-badge");
    badge.dataset.mode = root.dataset.mode;
    badge.textContent = online ? words.online : words.offline;
  }

  function showPending(count) {
    root.dataset.pending = String(count);
    $("#pending").textContent = `${words.pending} ${count}`;
    $("#pending").classList.toggle("pending-some", count > 0);
    $("#result-pending").textContent = `${words.pending} ${count}`;
  }

  function showList() {
    root.dataset.listSize = list.ready ? String(list.size) : "";
    const line = $("#list-status");
    if (!list.ready) {
      line.textContent = words.listNone;
      return;
    }
    // Festival time, like every other time on the gate's screens, whatever zone the phone is set to.
    const { time } = festivalClock(list.meta.syncedAt);
    line.textContent = fill(words.listReady, { count: list.size.toLocaleString(config.lang), time });
  }

  async function decide(body) {
    // No list on this phone yet (or no way to check a signature): nothing to decide with; the
    // scan is kept all the same, and the server decides when it is back.
    let answer = { result: "queued", tone: "amber", message: words.queued };
    let item = { ...body, local_result: null, code: null, change: null };
    let record = null;
    if (list.ready) {
      try {
        const { change, ...decided } = await list.decide(body.payload, {
          direction: body.direction, gate: body.gate, now: Date.parse(body.scanned_at) });
        const code = decided.ticket ? decided.ticket.code : null;
        if (change) record = list.remember(code, change);
        if (decided.ticket && decided.result !== "wrong_show") decided.ticket.show_title = config.showTitle;
        answer = { ...decided, message: sentence(config.sentences, offlineKey(decided), decided) };
        item = { ...body, local_result: decided.result, code, change };
      } catch (error) {
        // Answered as above.
      }
    }
    // Kept before it is shown: a scan the volunteer has seen answered is never lost.
    try {
      await store.enqueue(item, record);
    } catch (error) {
      const failed = { tone: "red", message: words.notSaved, offline: true };
      results.show(failed);
      return failed;
    }
    showPending(await store.pending());
    const shown = { ...answer, offline: true };
    results.show(shown);
    onQueued();
    return shown;
  }

  // Scans queued by the scanner's earlier version (localStorage) join the IndexedDB queue; the
  // server decides them as if they were sent now (no local_result).
  async function adoptLegacy() {
    let items = [];
    try {
      items = JSON.parse(localStorage.getItem(LEGACY_QUEUE_KEY) || "[]");
    } catch (error) {
      return;
    }
    for (const { body } of items) {
      if (body && body.payload) await store.enqueue({ ...body, local_result: null, code: null, change: null }, null);
    }
    localStorage.removeItem(LEGACY_QUEUE_KEY);
  }

  return { decide, adoptLegacy, showMode, showPending, showList };
}
