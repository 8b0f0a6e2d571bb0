// The gate's scanner: rear camera, continuous QR decoding, one full-screen answer per ticket.
// Online, the server decides (POST /api/v1/scans); when it is unreachable or slower than 1.5 s,
// the phone decides alone from its gate list and queues the scan for upload (gate/sync.js).
// Words come from the server (data-* attributes and each online answer's `message`).
import { GateList, festivalClock } from "./gate/list.js";
import { Store } from "./gate/store.js";
import { Link, SignedOut } from "./gate/sync.js";
import { groupGate } from "./gate/group.js";

const root = document.querySelector("#scanner");
const text = (name) => root.dataset[name] || "";
const $ = (selector) => document.querySelector(selector);

// Held in view, scanned once: after an answer, the same code is not sent again while it stays
// in front of the camera (the answer stays on screen meanwhile), nor until it has been out of
// sight for HOLD_GONE_MS; another code, or a tap on the answer ("next ticket"), ends the hold.
const HOLD_GONE_MS = 2500;
const DETECT_EVERY_MS = 120;
// How long an answer stays once its code has left the view (the bar on the answer shows it).
const RESET_AFTER_MS = { green: 1500, amber: 3500, red: 4500 };
const COUNTERS_EVERY_MS = 15000;
// Hand-typed actions need the server (there is nothing to decide them offline).
const REQUEST_TIMEOUT_MS = 8000;
// Scans kept by the scanner before the offline gate list (localStorage, no ticket list).
const LEGACY_QUEUE_KEY = "checkin-scan-queue";

const video = $("#camera-video");
const statusLine = $("#camera-status");
const overlay = $("#result");
let detector = null;
let showingResult = false;
let resetTimer = null;
let resetTone = "green";
// The code whose answer is on screen (or was last), and when the camera last saw it.
let held = { code: "", seenAt: 0 };
let scanning = false;
let cameraStarting = false;
// From the start of decoding the frame that held a new code to its answer painted, per scan:
// read by the browser tests (time from QR in view to result on screen).
const timings = [];
window.gateTimings = timings;
let audio = null;
let store = null;
let list = null;
let link = null;

function direction() {
  const checked = document.querySelector("input[name=direction]:checked");
  return checked ? checked.value : "in";
}

function scanId() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

// A translated sentence with {name}-style holes (the template fills %(name)s with "{name}").
function say(key, values = {}) {
  return text(key).replace(/\{(\w+)\}/g, (hole, name) => (name in values ? values[name] : hole));
}

// Through the link's request (the session's CSRF token, the page's language); a 401 throws SignedOut.
function postJSON(url, body) {
  return link.request(url, { method: "POST", body, timeout: REQUEST_TIMEOUT_MS });
}

// --- the answer on screen, in sound and in the hand ---------------------------------------------

// Browsers start sound only after a tap on the page: the first tap unlocks it for the shift.
document.addEventListener("pointerdown", () => {
  try {
    audio = audio || new AudioContext();
    audio.resume();
  } catch (error) {
    // No WebAudio: the colour and the vibration still say it.
  }
}, { once: true });

function beep(tone) {
  try {
    audio = audio || new AudioContext();
    const plan = { green: [[880, 0, 0.15]], amber: [[660, 0, 0.12], [660, 0.2, 0.12]],
      red: [[220, 0, 0.6]] }[tone];
    for (const [frequency, start, length] of plan) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = tone === "red" ? "square" : "sine";
      oscillator.frequency.value = frequency;
      gain.gain.value = 0.25;
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(audio.currentTime + start);
      oscillator.stop(audio.currentTime + start + length);
    }
  } catch (error) {
    // No sound on this device: the colour still says it.
  }
  if (navigator.vibrate) {
    navigator.vibrate({ green: [120], amber: [100, 80, 100], red: [400, 120, 400] }[tone]);
  }
}

function showResult(answer) {
  const tone = answer.tone || (answer.ok ? "green" : "red");
  overlay.className = `result result-${tone}`;
  overlay.dataset.result = answer.result || "";
  overlay.dataset.offline = answer.offline ? "true" : "false";
  const head = answer.result === "exited" ? text("headExited") : text(`head${tone[0].toUpperCase()}${tone.slice(1)}`);
  $("#result-head").textContent = head;
  $("#result-name").textContent = answer.ticket ? answer.ticket.name || formatCode(answer.ticket.code) : "";
  $("#result-show").textContent = answer.ticket ? answer.ticket.show_title || "" : "";
  $("#result-message").textContent = answer.message || "";
  $("#result-offline").hidden = !answer.offline;
  overlay.hidden = false;
  overlay.focus();
  showingResult = true;
  beep(tone);
  resetTone = tone;
  keepResult();
}

// The answer stays while its ticket is in view; once the ticket has gone, it clears after its
// tone's time, which the bar at the bottom of the answer counts down.
function keepResult() {
  clearTimeout(resetTimer);
  const ms = RESET_AFTER_MS[resetTone] || 3000;
  resetTimer = setTimeout(hideResult, ms);
  const bar = $("#result-timer");
  bar.style.animation = "none";
  void bar.offsetWidth; // restarts the countdown's animation
  bar.style.animation = `result-countdown ${ms}ms linear forwards`;
}

function hideResult() {
  clearTimeout(resetTimer);
  overlay.hidden = true;
  showingResult = false;
}

// "Next ticket": the volunteer may scan the same code again on purpose.
overlay.addEventListener("click", () => {
  held = { code: "", seenAt: 0 };
  hideResult();
});

function formatCode(code) {
  if (!code) return "";
  const plain = code.replace(/-/g, "");
  return `${plain.slice(0, 4)}-${plain.slice(4)}`;
}

// --- online or offline: the badge, the queue's count, the list's age ----------------------------

function showMode(online) {
  root.dataset.mode = online ? "online" : "offline";
  const badge = $("#net-badge");
  badge.dataset.mode = root.dataset.mode;
  badge.textContent = online ? text("msgOnline") : text("msgOffline");
}

function showPending(count) {
  root.dataset.pending = String(count);
  $("#pending").textContent = `${text("msgPending")} ${count}`;
  $("#pending").classList.toggle("pending-some", count > 0);
  $("#result-pending").textContent = `${text("msgPending")} ${count}`;
}

function showList() {
  root.dataset.listSize = list && list.ready ? String(list.size) : "";
  const line = $("#list-status");
  if (!list || !list.ready) {
    line.textContent = text("msgListNone");
    return;
  }
  // Festival time, like every other time on the gate's screens, whatever zone the phone is set to.
  const { time } = festivalClock(list.meta.syncedAt);
  line.textContent = say("msgListReady", { count: list.size.toLocaleString(text("lang")), time });
}

// --- scanning: the server decides, or the phone does ---------------------------------------------

function scanBody(extra) {
  return { show: text("show"), gate: text("gate"), direction: direction(), client_scan_id: scanId(),
    scanned_at: new Date().toISOString(), ...extra };
}

function offlineMessage(answer) {
  const ticket = answer.ticket || {};
  const named = Boolean(ticket.name);
  switch (answer.result) {
    case "admitted": return named ? say("sayAdmitted", { name: ticket.name }) : text("sayAdmittedNoName");
    case "exited": return named ? say("sayExited", { name: ticket.name }) : text("sayExitedNoName");
    case "reentered": return say("sayReentered", { time: answer.first_admitted_at, gate: answer.first_gate });
    case "already_inside": return say("sayAlreadyInside", { time: answer.first_admitted_at, gate: answer.first_gate });
    case "not_open":
      return answer.show_over ? text("sayShowOver")
        : say("sayNotOpen", { time: answer.doors_open_at, day: answer.doors_open_on });
    default: return text(`say${answer.result.split("_").map((w) => w[0].toUpperCase() + w.slice(1)).join("")}`);
  }
}

async function decideOffline(body) {
  // No list on this phone yet (or no way to check a signature): nothing to decide with; the
  // scan is kept all the same, and the server decides when it is back.
  let answer = { result: "queued", tone: "amber", message: text("msgQueued") };
  let item = { ...body, local_result: null, code: null, change: null };
  let record = null;
  if (list.ready) {
    try {
      const { change, ...decided } = await list.decide(body.payload, {
        direction: body.direction, gate: body.gate, now: Date.parse(body.scanned_at) });
      const code = decided.ticket ? decided.ticket.code : null;
      if (change) record = list.remember(code, change);
      if (decided.ticket && decided.result !== "wrong_show") decided.ticket.show_title = text("showTitle");
      answer = { ...decided, message: offlineMessage(decided) };
      item = { ...body, local_result: decided.result, code, change };
    } catch (error) {
      // Answered as above.
    }
  }
  // Kept before it is shown: a scan the volunteer has seen answered is never lost.
  try {
    await store.enqueue(item, record);
  } catch (error) {
    const failed = { tone: "red", message: text("msgNotSaved"), offline: true };
    showResult(failed);
    return failed;
  }
  showPending(await store.pending());
  const shown = { ...answer, offline: true };
  showResult(shown);
  link.schedule();
  return shown;
}

let groups = null;

async function scanPayload(payload) {
  // A school group's pass (its own QR kind): the group's panel, online only.
  if (payload.startsWith("G1:")) {
    try {
      await groups.open(payload);
    } catch (error) {
      if (!(error instanceof SignedOut)) showResult({ tone: "red", message: text("msgNeedsNetwork") });
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
    showResult(answer.data);
    list.learnFrom(answer.data, { gate: body.gate, now: Date.parse(body.scanned_at) }).catch(() => {
      // Not learnt: the next download of the list brings the same news.
    });
    refreshCounters();
    return answer.data;
  }
  if (answer) {
    const failed = { tone: "red", message: (answer.data.error && answer.data.error.message) || text("msgError") };
    showResult(failed);
    return failed;
  }
  return decideOffline(body);
}

// By hand (lookup, admit, undo): online only, there is no offline answer to give.
async function send(url, body) {
  try {
    const { status, data } = await postJSON(url, body);
    if (status === 200) {
      showResult(data);
      refreshCounters();
    } else {
      showResult({ tone: "red", message: (data.error && data.error.message) || text("msgError") });
    }
  } catch (error) {
    if (error instanceof SignedOut) {
      await signedOut();
      showResult({ tone: "red", message: text("msgError") });
      return;
    }
    showResult({ tone: "amber", message: text("msgNeedsNetwork") });
  }
}

// The session ended (signed out elsewhere, password changed): the list and its names go; the
// queue stays for the next sign-in.
async function signedOut() {
  await store.forgetOnSignOut(text("pageCache"));
  await list.load();
  showList();
  root.dataset.signedOut = "true";
  $("#signed-out").hidden = false;
}

// Scans queued by the scanner's earlier version (localStorage) join the IndexedDB queue; the
// server decides them as if they were sent now (no local_result).
async function adoptLegacyQueue() {
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

async function refreshCounters() {
  if (link && !link.online) return;
  try {
    const response = await fetch(text("countersUrl"), { credentials: "same-origin" });
    if (!response.ok) return;
    const counters = await response.json();
    $("#counter-gate").textContent = counters.gate_admitted;
    $("#counter-inside").textContent = counters.inside;
    $("#counter-capacity").textContent = counters.capacity;
  } catch (error) {
    // Offline: the counters wait for the network like the scans do.
  }
}

// --- the camera and the decoder ------------------------------------------------------------------

async function makeDetector() {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) return new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (error) {
      // Fall through to the WebAssembly decoder.
    }
  }
  // iPhones and desktop browsers: ZXing compiled to WebAssembly, served from our own static files.
  const { BarcodeDetector, prepareZXingModule } = await import(text("decoderUrl"));
  prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? text("wasmUrl") : prefix + path) },
    fireImmediately: true,
  });
  return new BarcodeDetector({ formats: ["qr_code"] });
}

async function startCamera() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw new Error("no camera API");
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
  });
  video.srcObject = stream;
  await video.play();
}

async function detectLoop() {
  if (!scanning && detector && video.readyState >= 2) {
    try {
      const started = performance.now();
      const codes = await detector.detect(video);
      const code = codes.length ? codes[0].rawValue : "";
      const now = Date.now();
      if (code && code === held.code && now - held.seenAt < HOLD_GONE_MS) {
        // The same ticket, still in view: already answered, never sent again (nor refused).
        held.seenAt = now;
        if (showingResult) keepResult();
        else statusLine.textContent = text("msgHeld");
      } else if (code) {
        held = { code, seenAt: now };
        scanning = true;
        try {
          const answer = await scanPayload(code);
          requestAnimationFrame(() => timings.push({
            ms: Math.round(performance.now() - started), result: answer && answer.result,
            offline: Boolean(answer && answer.offline) }));
        } finally {
          scanning = false;
        }
        statusLine.textContent = text("msgScanning");
      } else if (held.code && now - held.seenAt >= HOLD_GONE_MS && statusLine.textContent === text("msgHeld")) {
        statusLine.textContent = text("msgScanning");
      }
    } catch (error) {
      // A frame the decoder could not read; the next one will do.
    }
  }
  setTimeout(detectLoop, DETECT_EVERY_MS);
}

// No camera, or no permission: say why and what to do, with a button to try again.
function cameraProblem(error) {
  const denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
  const missing = error && (error.name === "NotFoundError" || error.name === "OverconstrainedError");
  $("#camera-problem-text").textContent = denied ? text("msgCameraDenied")
    : missing ? text("msgCameraMissing") : text("msgCameraError");
  root.dataset.camera = denied ? "denied" : "unavailable";
  $("#camera-problem").hidden = false;
  statusLine.hidden = true;
}

async function startScanning() {
  if (cameraStarting) return;
  cameraStarting = true;
  $("#camera-problem").hidden = true;
  statusLine.hidden = false;
  statusLine.textContent = text("msgStarting");
  root.dataset.camera = "starting";
  try {
    await startCamera();
  } catch (error) {
    cameraStarting = false;
    cameraProblem(error);
    return;
  }
  root.dataset.camera = "on";
  try {
    detector = detector || await makeDetector();
  } catch (error) {
    cameraStarting = false;
    statusLine.textContent = text("msgDecoderError");
    return;
  }
  statusLine.textContent = text("msgScanning");
  if (!detectLoop.running) {
    detectLoop.running = true;
    detectLoop();
  }
  cameraStarting = false;
}

$("#camera-retry").addEventListener("click", () => startScanning());

// --- by hand: look up, admit, undo ----------------------------------------------------------------

// A lookup's row answers as a scan of that ticket would, in the same words and colour; the
// button appears only where a scan would let the person through, and names the ticket by code.
function resultItem(ticket) {
  const item = document.createElement("li");
  item.className = "lookup-item";
  item.dataset.result = ticket.answer.result;
  const who = document.createElement("div");
  who.className = "lookup-who";
  const name = document.createElement("strong");
  name.textContent = ticket.name || formatCode(ticket.code);
  const facts = document.createElement("span");
  facts.className = "lookup-facts";
  const parts = [formatCode(ticket.code)];
  if (ticket.under_16) parts.push(text("msgUnder16"));
  if (ticket.phone_tail) parts.push(`${text("msgPhone")}${ticket.phone_tail}`);
  facts.textContent = parts.join(" · ");
  const said = document.createElement("span");
  said.className = `lookup-answer lookup-answer-${ticket.answer.tone || (ticket.answer.ok ? "green" : "red")}`;
  said.textContent = ticket.answer.message;
  who.append(name, document.createElement("br"), facts, document.createElement("br"), said);
  item.append(who);
  if (ticket.can_admit) {
    const admit = document.createElement("button");
    admit.type = "button";
    admit.className = "button button-primary lookup-admit";
    admit.textContent = direction() === "out" ? text("msgLetOut") : text("msgAdmit");
    admit.addEventListener("click", () => send(text("manualUrl"), scanBody({ code: ticket.code })));
    item.append(admit);
  }
  return item;
}

$("#lookup-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const results = $("#lookup-results");
  results.replaceChildren();
  try {
    const { status, data } = await postJSON(text("lookupUrl"),
      { show: text("show"), q: $("#lookup-q").value, direction: direction() });
    if (status !== 200 || !data.tickets.length) {
      const empty = document.createElement("li");
      const error = data.error || {};
      empty.textContent = status === 200 ? text("msgNoResults")
        : (error.fields && error.fields.q) || error.message || text("msgError");
      results.append(empty);
      return;
    }
    results.append(...data.tickets.map(resultItem));
  } catch (error) {
    if (error instanceof SignedOut) await signedOut();
    const failed = document.createElement("li");
    failed.textContent = error instanceof SignedOut ? text("msgError") : text("msgNeedsNetwork");
    results.append(failed);
  }
});

$("#undo-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const reason = $("#undo-reason");
  await send(text("undoUrl"), { reason: reason.value, gate: text("gate"), client_scan_id: scanId() });
  reason.value = "";
});

// --- start: the offline part first (it needs no network), then the camera -----------------------

function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(text("swUrl"), { scope: text("swScope") }).catch(() => {
    // No offline start-up for this page (e.g. a private window); scanning still works.
  });
}

async function start() {
  registerServiceWorker();
  showMode(navigator.onLine !== false);
  store = await Store.open();
  list = new GateList(store, text("show"), { nobleUrl: text("nobleUrl") });
  await list.load();
  await adoptLegacyQueue();
  link = new Link({
    urls: { scan: text("scanUrl"), batch: text("batchUrl"), list: text("listUrl") },
    csrf: text("csrf"), lang: text("lang"), store, list,
    events: {
      mode: (online) => {
        showMode(online);
        if (online) refreshCounters();
      },
      pending: showPending,
      synced: showList,
      uploaded: () => {
        statusLine.textContent = text("msgSent");
        refreshCounters();
      },
      signedOut,
    },
  });
  groups = groupGate({ text, say, postJSON, scanBody, onDone: refreshCounters,
    offline: { list, store, link, pending: showPending } });
  showList();
  showPending(await store.pending());
  link.start();
  setInterval(refreshCounters, COUNTERS_EVERY_MS);
  refreshCounters();
  startScanning();
}

start();
