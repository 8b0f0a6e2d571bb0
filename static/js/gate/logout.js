// Signing out at the gate: the phone first tries to send its unsent scans, then forgets every
// ticket list (names included) and its copy of the scanner page. Scans it could not send stay
// on the phone (they hold no personal data) and go with the next sign-in; the volunteer is
// told so before the sign-out goes ahead.
import { Store } from "./store.js";
import { Link } from "./sync.js";

const form = document.querySelector("#logout-form");
const notice = document.querySelector("#logout-notice");
const UPLOAD_WAIT_MS = 8000;
let warned = false;

async function uploadWhatWeCan(store) {
  const link = new Link({
    urls: { batch: form.dataset.batchUrl }, csrf: form.dataset.csrf, lang: form.dataset.lang, store, list: null,
    events: { mode() {}, pending() {}, synced() {}, uploaded() {}, signedOut() {} },
  });
  try {
    await Promise.race([link.upload(), new Promise((resolve) => setTimeout(resolve, UPLOAD_WAIT_MS))]);
  } catch (error) {
    // Offline or refused: the scans stay queued.
  }
}

form.addEventListener("submit", async (event) => {
  if (form.dataset.done === "true") return;
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const store = await Store.open();
    if (navigator.onLine !== false && (await store.pending())) await uploadWhatWeCan(store);
    await store.forgetOnSignOut(form.dataset.pageCache);
    const left = await store.pending();
    if (left && !warned) {
      warned = true;
      notice.textContent = notice.dataset.template.replace("{count}", String(left));
      notice.hidden = false;
      button.disabled = false;
      return;
    }
  } catch (error) {
    // No IndexedDB (a private window): there is nothing kept to forget.
  }
  form.dataset.done = "true";
  form.submit();
});
