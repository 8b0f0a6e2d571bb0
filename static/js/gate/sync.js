// The scanner's link to the server: online scans with a short fuse, the offline queue's upload
// in batches, the gate list's refresh, and the switch between online and offline decisions.
//
// Online means "the server answers within FAST_MS". A scan that takes longer is decided on
// the phone (same client id, so the server keeps one of the two if both arrive); after that,
// every sync is a probe, and the first fast answer switches back.

const FAST_MS = 1500;
const ONLINE_EVERY_MS = 30_000; // the list's refresh while online
const OFFLINE_EVERY_MS = 5_000; // probing and uploading while offline or with scans queued
const UPLOAD_TIMEOUT_MS = 20_000;
const LIST_TIMEOUT_MS = 30_000;
const BATCH_MAX = 200;
// Answers after which a queued scan is kept for another try: the server could not take it now.
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

export class SignedOut extends Error {}

export class Link {
  // urls: {scan, batch, list}; events: {mode(online), pending(count), synced(list), signedOut()}
  constructor({ urls, csrf, lang, store, list, events }) {
    this.urls = urls;
    this.csrf = csrf;
    this.lang = lang;
    this.store = store;
    this.list = list;
    this.events = events;
    this.online = navigator.onLine !== false;
    this.timer = null;
    this.running = null;
  }

  async request(url, { method = "GET", body, timeout }) {
    const started = performance.now();
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      cache: "no-store",
      signal: AbortSignal.timeout(timeout),
      headers: { "Content-Type": "application/json", "X-CSRFToken": this.csrf, "Accept-Language": this.lang },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (response.status === 401) throw new SignedOut();
    return { status: response.status, data, ms: performance.now() - started };
  }

  setOnline(online) {
    if (online === this.online) return;
    this.online = online;
    this.events.mode(online);
    this.schedule();
  }

  // One scan, online: the server's answer, or null when it is too slow, unreachable or failing
  // (the caller then decides on the phone). A 401 throws SignedOut.
  async scan(body) {
    if (!this.online || navigator.onLine === false) return null;
    try {
      const answer = await this.request(this.urls.scan, { method: "POST", body, timeout: FAST_MS });
      if (RETRY_STATUSES.has(answer.status)) throw new Error(`status ${answer.status}`);
      return answer;
    } catch (error) {
      if (error instanceof SignedOut) throw error;
      this.setOnline(false);
      return null;
    }
  }

  // Sends the queue, oldest first. Every answered item is settled (a result, or a refusal the
  // server will give again); only what the server could not take stays queued.
  async upload() {
    let sent = 0;
    for (;;) {
      const items = (await this.store.queued()).slice(0, BATCH_MAX);
      if (!items.length) break;
      const scans = items.map(({ payload, show, gate, direction, client_scan_id, scanned_at, local_result, member }) =>
        ({ payload, show, gate, direction, client_scan_id, scanned_at, local_result, member }));
      const { status, data } = await this.request(this.urls.batch, { method: "POST", body: { scans }, timeout: UPLOAD_TIMEOUT_MS });
      if (status !== 200 || !Array.isArray(data.results)) throw new Error(`upload: status ${status}`);
      const settled = data.results
        .filter((item) => item && item.client_scan_id && (item.result || (item.error && item.error.code === "invalid")))
        .map((item) => item.client_scan_id);
      await this.store.settle(settled);
      sent += settled.length;
      this.events.pending(await this.store.pending());
      if (settled.length < items.length) break; // the rest waits for the next round
    }
    return sent;
  }

  // The gate list, whole the first time and then what changed since the last download. Small
  // downloads are the probe: fast means online.
  async refresh() {
    const cursor = this.list.meta && this.list.meta.cursor;
    const url = cursor ? `${this.urls.list}?since=${encodeURIComponent(cursor)}` : this.urls.list;
    let { status, data, ms } = await this.request(url, { timeout: LIST_TIMEOUT_MS });
    if (status !== 200 || !Array.isArray(data.tickets)) throw new Error(`list: status ${status}`);
    if (!data.full && this.list.namesChanged(data.show)) {
      // The show's names setting changed: an update would leave unchanged tickets as they were
      // (with names no longer allowed, or without the names now wanted). The whole list, then.
      ({ status, data } = await this.request(this.urls.list, { timeout: LIST_TIMEOUT_MS }));
      if (status !== 200 || !Array.isArray(data.tickets)) throw new Error(`list: status ${status}`);
    }
    await this.list.apply(data, await this.store.queued());
    if (cursor) this.setOnline(ms <= FAST_MS);
    else this.setOnline(true);
    this.events.synced(this.list);
  }

  // Upload, then refresh; one at a time. Returns when done (or failed: the next round retries).
  sync() {
    if (!this.running) {
      this.running = this.round().finally(() => {
        this.running = null;
        this.schedule();
      });
    }
    return this.running;
  }

  async round() {
    if (navigator.onLine === false) {
      this.setOnline(false);
      return;
    }
    try {
      try {
        const sent = await this.upload();
        if (sent) this.events.uploaded(sent);
      } catch (error) {
        // A refused upload (the server busy, 503) says nothing of the network: the probe does.
        if (error instanceof SignedOut) throw error;
      }
      await this.refresh();
    } catch (error) {
      if (error instanceof SignedOut) {
        this.events.signedOut();
        return;
      }
      this.setOnline(false);
    }
  }

  schedule() {
    clearTimeout(this.timer);
    this.store.pending().then((pending) => {
      clearTimeout(this.timer);
      const every = this.online && !pending ? ONLINE_EVERY_MS : OFFLINE_EVERY_MS;
      this.timer = setTimeout(() => this.sync(), every);
    });
  }

  start() {
    window.addEventListener("online", () => this.sync());
    window.addEventListener("offline", () => this.setOnline(false));
    return this.sync();
  }
}
