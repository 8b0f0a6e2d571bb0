// The rear camera and the QR decoder: continuous decoding, and each new code handed over once.

// Held in view, scanned once: after an answer, the same code is not sent again while it stays
// in front of the camera (the answer stays on screen meanwhile), nor until it has been out of
// sight for HOLD_GONE_MS; another code, or a tap on the answer ("next ticket"), ends the hold.
const HOLD_GONE_MS = 2500;
const DETECT_EVERY_MS = 120;

async function makeDetector(urls) {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) return new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (error) {
      // Fall through to the WebAssembly decoder.
    }
  }
  // iPhones and desktop browsers: ZXing compiled to WebAssembly, served from our own static files.
  const { BarcodeDetector, prepareZXingModule } = await import(urls.decoder);
  prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? urls.wasm : prefix + path) },
    fireImmediately: true,
  });
  return new BarcodeDetector({ formats: ["qr_code"] });
}

async function startCamera(video) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw new Error("no camera API");
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
  });
  video.srcObject = stream;
  await video.play();
}

// root: the scanner element (its data-camera says the camera's state); results: the answer on
// screen; onCode(code) -> the answer shown for a new code; timings: where each scan's time goes.
export function camera({ root, urls, words, results, onCode, timings }) {
  const $ = (selector) => document.querySelector(selector);
  const video = $("#camera-video");
  const statusLine = $("#camera-status");
  let detector = null;
  // The code whose answer is on screen (or was last), and when the camera last saw it.
  let held = { code: "", seenAt: 0 };
  let scanning = false;
  let starting = false;
  let looping = false;

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
          if (results.showing) results.keep();
          else statusLine.textContent = words.held;
        } else if (code) {
          held = { code, seenAt: now };
          scanning = true;
          try {
            const answer = await onCode(code);
            // From the start of decoding the frame that held a new code to its answer painted.
            requestAnimationFrame(() => timings.push({
              ms: Math.round(performance.now() - started), result: answer && answer.result,
              offline: Boolean(answer && answer.offline) }));
          } finally {
            scanning = false;
          }
          statusLine.textContent = words.scanning;
        } else if (held.code && now - held.seenAt >= HOLD_GONE_MS && statusLine.textContent === words.held) {
          statusLine.textContent = words.scanning;
        }
      } catch (error) {
        // A frame the decoder could not read; the next one will do.
      }
    }
    setTimeout(detectLoop, DETECT_EVERY_MS);
  }

  // No camera, or no permission: say why and what to do, with a button to try again.
  function problem(error) {
    const denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
    const missing = error && (error.name === "NotFoundError" || error.name === "OverconstrainedError");
    $("#camera-problem-text").textContent = denied ? words.cameraDenied
      : missing ? words.cameraMissing : words.cameraError;
    root.dataset.camera = denied ? "denied" : "unavailable";
    $("#camera-problem").hidden = false;
    statusLine.hidden = true;
  }

  async function start() {
    if (starting) return;
    starting = true;
    $("#camera-problem").hidden = true;
    statusLine.hidden = false;
    statusLine.textContent = words.starting;
    root.dataset.camera = "starting";
    try {
      await startCamera(video);
    } catch (error) {
      starting = false;
      problem(error);
      return;
    }
    root.dataset.camera = "on";
    try {
      detector = detector || await makeDetector(urls);
    } catch (error) {
      starting = false;
      statusLine.textContent = words.decoderError;
      return;
    }
    statusLine.textContent = words.scanning;
    if (!looping) {
      looping = true;
      detectLoop();
    }
    starting = false;
  }

  $("#camera-retry").addEventListener("click", () => start());

  return {
    start,
    // "Next ticket": the volunteer may scan the same code again on purpose.
    release() {
      held = { code: "", seenAt: 0 };
    },
    say(text) {
      statusLine.textContent = text;
    },
  };
}
