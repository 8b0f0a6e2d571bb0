// The gate's scanner: rear camera, continuous QR decoding, one full-screen answer per ticket.
// Words come from the server (data-* attributes and each answer's `message`).
const root = document.querySelector("#scanner");
const text = (name) => root.dataset[name] || "";
const $ = (selector) => document.querySelector(selector);

const SAME_CODE_PAUSE_MS = 4000;
const DETECT_EVERY_MS = 120;
const RESET_AFTER_MS = { green: 1500, amber: 3500, red: 4500 };
const QUEUE_KEY = "checkin-scan-queue";
const RETRY_MS = 5000;
const COUNTERS_EVERY_MS = 15000;
// A congested network that answers nothing is treated like no network: the scan is kept.
const REQUEST_TIMEOUT_MS = 8000;
// Answers after which a kept scan is settled (sent, or refused for good); others are retried.
const SETTLED = new Set([200, 409, 413, 422]);

const video = $("#camera-video");
const statusLine = $("#camera-status");
const overlay = $("#result");
let detector = null;
let showingResult = false;
let resetTimer = null;
let lastCode = "";
let lastCodeAt = 0;
let audio = null;

function direction() {
  const checked = document.querySelector("input[name=direction]:checked");
  return checked ? checked.value : "in";
}

function scanId() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

async function postJSON(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    headers: { "Content-Type": "application/json", "X-CSRFToken": text("csrf"), "Accept-Language": text("lang") },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  return { status: response.status, data };
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
  const head = answer.result === "exited" ? text("headExited") : text(`head${tone[0].toUpperCase()}${tone.slice(1)}`);
  $("#result-head").textContent = head;
  $("#result-name").textContent = answer.ticket ? answer.ticket.name : "";
  $("#result-show").textContent = answer.ticket ? answer.ticket.show_title || "" : "";
  $("#result-message").textContent = answer.message || "";
  overlay.hidden = false;
  overlay.focus();
  showingResult = true;
  beep(tone);
  clearTimeout(resetTimer);
  resetTimer = setTimeout(hideResult, RESET_AFTER_MS[tone] || 3000);
}

function hideResult() {
  clearTimeout(resetTimer);
  overlay.hidden = true;
  showingResult = false;
}

overlay.addEventListener("click", hideResult);

// --- sending scans, and keeping them when the network is gone -----------------------------------

function queued() {
  try {
    return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]");
  } catch (error) {
    return [];
  }
}

function saveQueue(items) {
  localStorage.setItem(QUEUE_KEY, JSON.stringify(items));
  const pending = $("#pending");
  pending.hidden = items.length === 0;
  pending.textContent = `${text("msgPending")} ${items.length}`;
}

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
    // The network failed: the scan keeps its id and device time, so sending it again later is safe.
    saveQueue([...queued(), { url, body }]);
    showResult({ tone: "amber", message: text("msgQueued") });
  }
}

async function flushQueue() {
  const items = queued();
  if (!items.length) return;
  const sent = [];
  for (const item of items) {
    try {
      const { status } = await postJSON(item.url, item.body);
      if (SETTLED.has(status)) sent.push(item);
    } catch (error) {
      break;
    }
  }
  const sentIds = new Set(sent.map((item) => item.body.client_scan_id));
  saveQueue(queued().filter((item) => !sentIds.has(item.body.client_scan_id)));
  if (sent.length) {
    statusLine.textContent = text("msgSent");
    refreshCounters();
  }
}

function scanBody(extra) {
  return { show: text("show"), gate: text("gate"), direction: direction(), client_scan_id: scanId(),
    scanned_at: new Date().toISOString(), ...extra };
}

async function refreshCounters() {
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
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
  });
  video.srcObject = stream;
  await video.play();
}

async function detectLoop() {
  if (!showingResult && detector && video.readyState >= 2) {
    try {
      const codes = await detector.detect(video);
      const code = codes.length ? codes[0].rawValue : "";
      const now = Date.now();
      if (code && !(code === lastCode && now - lastCodeAt < SAME_CODE_PAUSE_MS)) {
        lastCode = code;
        lastCodeAt = now;
        await send(text("scanUrl"), scanBody({ payload: code }));
      }
    } catch (error) {
      // A frame the decoder could not read; the next one will do.
    }
  }
  setTimeout(detectLoop, DETECT_EVERY_MS);
}

async function start() {
  statusLine.textContent = text("msgStarting");
  try {
    await startCamera();
  } catch (error) {
    statusLine.textContent = text("msgCameraError");
    return;
  }
  try {
    detector = await makeDetector();
  } catch (error) {
    statusLine.textContent = text("msgDecoderError");
    return;
  }
  statusLine.textContent = text("msgScanning");
  detectLoop();
}

// --- by hand: look up, admit, undo ----------------------------------------------------------------

function resultItem(ticket) {
  const item = document.createElement("li");
  item.className = "lookup-item";
  const who = document.createElement("div");
  const name = document.createElement("strong");
  name.textContent = ticket.name;
  const facts = document.createElement("span");
  facts.className = "lookup-facts";
  const parts = [ticket.code, `${text("msgBorn")} ${ticket.birth_year}`, `${text("msgPhone")}${ticket.phone_tail}`];
  if (ticket.status !== "issued") parts.push(text(`msgStatus${ticket.status[0].toUpperCase()}${ticket.status.slice(1)}`));
  if (ticket.admitted_at) parts.push(`${text("msgStatusInside")} ${ticket.admitted_at} (${ticket.admitted_gate})`);
  facts.textContent = parts.join(" · ");
  who.append(name, document.createElement("br"), facts);
  const admit = document.createElement("button");
  admit.type = "button";
  admit.className = "button button-primary lookup-admit";
  admit.textContent = text("msgAdmit");
  admit.addEventListener("click", () => send(text("manualUrl"), scanBody({ ticket_id: ticket.id })));
  item.append(who, admit);
  return item;
}

$("#lookup-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const list = $("#lookup-results");
  list.replaceChildren();
  try {
    const { status, data } = await postJSON(text("lookupUrl"), { show: text("show"), q: $("#lookup-q").value });
    if (status !== 200 || !data.tickets.length) {
      const empty = document.createElement("li");
      empty.textContent = status === 200 ? text("msgNoResults") : (data.error && data.error.message) || text("msgError");
      list.append(empty);
      return;
    }
    list.append(...data.tickets.map(resultItem));
  } catch (error) {
    const offline = document.createElement("li");
    offline.textContent = text("msgError");
    list.append(offline);
  }
});

$("#undo-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const reason = $("#undo-reason");
  await send(text("undoUrl"), { reason: reason.value, gate: text("gate"), client_scan_id: scanId() });
  reason.value = "";
});

window.addEventListener("online", flushQueue);
setInterval(flushQueue, RETRY_MS);
setInterval(refreshCounters, COUNTERS_EVERY_MS);
saveQueue(queued());
refreshCounters();
start();
