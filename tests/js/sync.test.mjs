// The scanner's link to the server (static/js/gate/sync.js), as a state machine: online means
// "the server answered fast"; a slow or failed scan turns it offline, a fast list download
// turns it back; the queue is uploaded oldest first and only what the server took leaves it.
import assert from "node:assert/strict";
import { afterEach, beforeEach, mock, test } from "node:test";

import { Link, SignedOut } from "../../static/js/gate/sync.js";
import { MemoryStore } from "./support.mjs";

const URLS = { scan: "/api/v1/scans", batch: "/api/v1/scans/batch", list: "/api/v1/shows/gate/gate-list" };
let calls;
let answers; // url -> (request) => {status, body} | Error
let clock; // what performance.now() says, moved by the fake fetch's `ms`
let events;
let store;

function reply(url, init) {
  const route = Object.keys(answers).find((prefix) => url.startsWith(prefix));
  const answer = answers[route](init && init.body ? JSON.parse(init.body) : undefined, url);
  if (answer instanceof Error) throw answer;
  clock += answer.ms || 0;
  return new Response(JSON.stringify(answer.body || {}), { status: answer.status || 200 });
}

beforeEach(() => {
  calls = [];
  answers = {};
  clock = 0;
  globalThis.navigator = { onLine: true };
  mock.method(globalThis, "fetch", async (url, init) => {
    calls.push({ url, init });
    return reply(url, init);
  });
  mock.method(performance, "now", () => clock);
  // The link plans its next round with setTimeout: no test leaves a real one behind.
  mock.timers.enable({ apis: ["setTimeout"] });
  events = { mode: [], pending: [], synced: 0, uploaded: [], signedOut: 0 };
  store = new MemoryStore();
});

afterEach(() => {
  mock.restoreAll();
  mock.timers.reset();
});

function link(list = fakeList()) {
  return new Link({
    urls: URLS, csrf: "token", lang: "vi", store, list,
    events: {
      mode: (online) => events.mode.push(online),
      pending: (count) => events.pending.push(count),
      synced: () => { events.synced += 1; },
      uploaded: (sent) => events.uploaded.push(sent),
      signedOut: () => { events.signedOut += 1; },
    },
  });
}

function fakeList({ cursor = null, namesChanged = false } = {}) {
  return {
    meta: cursor ? { cursor } : null,
    applied: [],
    namesChanged: () => namesChanged,
    async apply(body, pending) {
      this.applied.push({ body, pending });
    },
  };
}

function queued(n, start = 0) {
  return Array.from({ length: n }, (_, i) => ({
    client_scan_id: `id-${start + i}`, payload: `P${start + i}`, show: "gate", gate: "A", direction: "in",
    scanned_at: `2026-12-01T12:00:${String(start + i).padStart(5, "0")}Z`, local_result: "admitted", code: null, change: null,
  }));
}

test("a fast answer is the server's; the request carries the CSRF token and the language", async () => {
  answers[URLS.scan] = () => ({ status: 200, body: { result: "admitted" }, ms: 200 });
  const l = link();
  const answer = await l.scan({ payload: "P" });
  assert.deepEqual([answer.status, answer.data, answer.ms], [200, { result: "admitted" }, 200]);
  const { init } = calls[0];
  assert.equal(init.method, "POST");
  assert.equal(init.headers["X-CSRFToken"], "token");
  assert.equal(init.headers["Accept-Language"], "vi");
  assert.deepEqual(JSON.parse(init.body), { payload: "P" });
  assert.equal(l.online, true);
  assert.deepEqual(events.mode, []);
});

test("a refusal is an answer too: the link stays online", async () => {
  answers[URLS.scan] = () => ({ status: 400, body: { error: { code: "invalid" } } });
  const l = link();
  assert.equal((await l.scan({})).status, 400);
  assert.equal(l.online, true);
});

test("no network, a timeout or a failing server: no answer, and the link goes offline once", async () => {
  for (const failure of [new TypeError("network"), new DOMException("slow", "TimeoutError"), { status: 503 }, { status: 500 }]) {
    events.mode = [];
    answers[URLS.scan] = () => failure;
    const l = link();
    assert.equal(await l.scan({}), null);
    assert.equal(l.online, false);
    assert.deepEqual(events.mode, [false]);
    // Offline, a scan does not wait for the server: the phone decides at once.
    const before = calls.length;
    assert.equal(await l.scan({}), null);
    assert.equal(calls.length, before);
  }
});

test("a phone that knows it has no network does not try", async () => {
  globalThis.navigator.onLine = false;
  answers[URLS.scan] = () => ({ status: 200 });
  assert.equal(await link().scan({}), null);
  assert.equal(calls.length, 0);
});

test("a 401 means signed out, not offline", async () => {
  answers[URLS.scan] = () => ({ status: 401 });
  const l = link();
  await assert.rejects(l.scan({}), SignedOut);
  assert.equal(l.online, true);
});

test("the queue goes oldest first, in batches, and what was answered leaves it", async () => {
  for (const item of queued(250).reverse()) await store.enqueue(item, null);
  const batches = [];
  answers[URLS.batch] = ({ scans }) => {
    batches.push(scans);
    return { body: { results: scans.map((scan) => ({ client_scan_id: scan.client_scan_id, result: "admitted" })) } };
  };
  const sent = await link().upload();
  assert.equal(sent, 250);
  assert.deepEqual(batches.map((scans) => scans.length), [200, 50]);
  assert.equal(batches[0][0].client_scan_id, "id-0");
  assert.deepEqual(Object.keys(batches[0][0]).sort(),
    ["client_scan_id", "direction", "gate", "local_result", "payload", "scanned_at", "show"]); // no code, no change
  assert.equal(await store.pending(), 0);
  assert.deepEqual(events.pending, [50, 0]);
});

test("a scan the server refuses for good leaves the queue; one it could not take stays", async () => {
  for (const item of queued(3)) await store.enqueue(item, null);
  answers[URLS.batch] = ({ scans }) => ({ body: { results: [
    { client_scan_id: scans[0].client_scan_id, result: "already_inside" },
    { client_scan_id: scans[1].client_scan_id, error: { code: "invalid" } },
    { client_scan_id: scans[2].client_scan_id, error: { code: "busy" } },
  ] } });
  assert.equal(await link().upload(), 2);
  assert.deepEqual((await store.queued()).map((item) => item.client_scan_id), ["id-2"]);
  assert.equal(calls.length, 1); // the rest waits for the next round
});

test("a refused upload throws and keeps the queue", async () => {
  for (const item of queued(2)) await store.enqueue(item, null);
  answers[URLS.batch] = () => ({ status: 503 });
  await assert.rejects(link().upload());
  assert.equal(await store.pending(), 2);
});

test("the first download says online however slow; later ones are the probe", async () => {
  const l = link(fakeList());
  l.online = false;
  answers[URLS.list] = () => ({ body: { full: true, tickets: [] }, ms: 5000 });
  await l.refresh();
  assert.equal(l.online, true);
  assert.deepEqual(calls.map((call) => call.url), [URLS.list]);

  const again = link(fakeList({ cursor: "c 1" }));
  answers[URLS.list] = () => ({ body: { full: false, tickets: [] }, ms: 1501 });
  await again.refresh();
  assert.equal(calls.at(-1).url, `${URLS.list}?since=c%201`);
  assert.equal(again.online, false); // slow: the phone keeps deciding
  answers[URLS.list] = () => ({ body: { full: false, tickets: [] }, ms: 1500 });
  await again.refresh();
  assert.equal(again.online, true); // fast again: back to the server
  assert.deepEqual(events.mode, [true, false, true]);
  assert.equal(events.synced, 3);
});

test("the download is laid over the scans still queued", async () => {
  for (const item of queued(1)) await store.enqueue(item, null);
  const list = fakeList();
  answers[URLS.list] = () => ({ body: { full: true, tickets: [["ABCD2345", "i"]] } });
  await link(list).refresh();
  assert.equal(list.applied.length, 1);
  assert.deepEqual(list.applied[0].pending.map((item) => item.client_scan_id), ["id-0"]);
});

test("when the show's names setting changed, an update is replaced by the whole list", async () => {
  const list = fakeList({ cursor: "c1", namesChanged: true });
  answers[URLS.list] = (body, url) => ({ body: { full: !url.includes("since"), tickets: [] } });
  await link(list).refresh();
  assert.deepEqual(calls.map((call) => call.url), [`${URLS.list}?since=c1`, URLS.list]);
  assert.equal(list.applied[0].body.full, true);
});

test("a broken download is not applied and throws", async () => {
  const list = fakeList();
  answers[URLS.list] = () => ({ status: 200, body: { nothing: true } });
  await assert.rejects(link(list).refresh());
  assert.equal(list.applied.length, 0);
});

test("a round: upload, then download; a busy upload says nothing of the network", async () => {
  for (const item of queued(1)) await store.enqueue(item, null);
  answers[URLS.batch] = () => ({ status: 503 });
  answers[URLS.list] = () => ({ body: { full: true, tickets: [] } });
  const l = link();
  await l.round();
  assert.equal(l.online, true);
  assert.equal(events.synced, 1);
  answers[URLS.batch] = ({ scans }) => ({ body: { results: [{ client_scan_id: scans[0].client_scan_id, result: "admitted" }] } });
  await l.round();
  assert.deepEqual(events.uploaded, [1]);
});

test("a round with no network, or no server, turns offline; a 401 signs out", async () => {
  const l = link();
  globalThis.navigator.onLine = false;
  await l.round();
  assert.equal(l.online, false);
  assert.equal(calls.length, 0);

  globalThis.navigator.onLine = true;
  const m = link();
  answers[URLS.list] = () => new TypeError("network");
  await m.round();
  assert.equal(m.online, false);

  const n = link();
  answers[URLS.list] = () => ({ status: 401 });
  await n.round();
  assert.equal(events.signedOut, 1);
  assert.equal(n.online, true);
});

test("sync runs one round at a time, then plans the next: 30 s online and idle, 5 s otherwise", async () => {
  answers[URLS.list] = () => ({ body: { full: true, tickets: [] } });
  const l = link();
  const rounds = mock.method(l, "round");
  const first = l.sync();
  assert.equal(l.sync(), first); // a second call joins the running round
  await first;
  assert.equal(rounds.mock.callCount(), 1);
  await new Promise((resolve) => setImmediate(resolve)); // store.pending() settles
  mock.timers.tick(29_999);
  assert.equal(rounds.mock.callCount(), 1);
  mock.timers.tick(1);
  assert.equal(rounds.mock.callCount(), 2);
  await l.running;

  // With scans waiting (or offline) the next round comes sooner.
  for (const item of queued(1)) await store.enqueue(item, null);
  l.schedule();
  await new Promise((resolve) => setImmediate(resolve));
  mock.timers.tick(5_000);
  assert.equal(rounds.mock.callCount(), 3);
  await l.running;
  await new Promise((resolve) => setImmediate(resolve)); // its next plan, on the mocked clock
});
