// The phone's copy of a show's gate list (static/js/gate/list.js): downloads applied over the
// scans not yet sent, offline decisions from a checked signature, and what online answers teach.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { GateList, festivalClock } from "../../static/js/gate/list.js";
import { MemoryStore, signer } from "./support.mjs";

const SHOW = "gate";
let key;
let store;
let list;

// A download as GET /api/v1/shows/<slug>/gate-list answers (checkin/api/offline.py).
function download(tickets, { full = true, cursor = "c1", show = {} } = {}) {
  return {
    show: { slug: SHOW, title: { vi: "Đêm", en: "Night" }, doors_open_at: "2026-12-01T11:00:00Z",
      admits_until: "2026-12-01T16:59:59Z", reentry_allowed: false, names: true, ...show },
    gates: ["Cổng A"], keys: [key.key], cursor, full, tickets,
  };
}

const DURING = Date.parse("2026-12-01T12:00:00Z"); // 19:00 in Hà Nội

beforeEach(async () => {
  key = key || await signer("KKKKK");
  store = new MemoryStore();
  list = new GateList(store, SHOW, { engine: "webcrypto" });
  await list.load();
});

test("the festival's clock is Hà Nội's, whatever the phone's zone", () => {
  assert.deepEqual(festivalClock(DURING), { time: "19:00", day: "01/12" });
  assert.deepEqual(festivalClock(Date.parse("2026-12-31T17:30:00Z")), { time: "00:30", day: "01/01" });
});

test("no list yet: not ready, and nothing it could vouch for", async () => {
  assert.equal(list.ready, false);
  assert.equal(list.size, 0);
  const answer = await list.decide(await key.sign("ABCD2345"), { direction: "in", gate: "Cổng A", now: DURING });
  assert.equal(answer.result, "invalid"); // no keys yet: no signature can be checked
});

test("a download decides scans, each ticket once, and survives a reload", async () => {
  await list.apply(download([["ABCD2345", "i", "Lan", null, null], ["EFGH6789", "c", null, null, null]]), []);
  assert.equal(list.ready, true);
  assert.equal(list.size, 2);
  const at = { direction: "in", gate: "Cổng A", now: DURING };
  const first = await list.decide(await key.sign("ABCD2345"), at);
  assert.equal(first.result, "admitted");
  assert.deepEqual(first.ticket, { code: "ABCD2345", name: "Lan" });
  assert.deepEqual(first.change, { s: "a", n: "Lan", t: "19:00", g: "Cổng A" });
  const record = list.remember("ABCD2345", first.change);
  assert.deepEqual(record, { show: SHOW, code: "ABCD2345", s: "a", n: "Lan", t: "19:00", g: "Cổng A" });
  await store.saveTicket(record);
  const again = await list.decide(await key.sign("ABCD2345"), { ...at, now: DURING + 60_000 });
  assert.equal(again.result, "already_inside");
  assert.equal(again.first_admitted_at, "19:00");
  assert.equal((await list.decide(await key.sign("EFGH6789"), at)).result, "cancelled");
  assert.equal((await list.decide(await key.sign("ZZZZ2222"), at)).result, "unknown");

  const reloaded = new GateList(store, SHOW, { engine: "webcrypto" });
  await reloaded.load();
  assert.equal(reloaded.size, 2);
  assert.equal((await reloaded.decide(await key.sign("ABCD2345"), at)).result, "already_inside");
});

test("a payload signed by a key the list does not publish is invalid", async () => {
  await list.apply(download([["ABCD2345", "i", null, null, null]]), []);
  const stranger = await signer("KKKKK"); // same key id, another key
  const answer = await list.decide(await stranger.sign("ABCD2345"), { direction: "in", gate: "A", now: DURING });
  assert.equal(answer.result, "invalid");
});

test("the show's rules come from the download: doors, end of admissions, re-entry", async () => {
  await list.apply(download([["ABCD2345", "i", null, null, null]], { show: { reentry_allowed: true } }), []);
  assert.deepEqual(list.showRules(), {
    doorsOpenAt: Date.parse("2026-12-01T11:00:00Z"), admitsUntil: Date.parse("2026-12-01T16:59:59Z"), reentry: true });
  const payload = await key.sign("ABCD2345");
  const early = await list.decide(payload, { direction: "in", gate: "A", now: Date.parse("2026-12-01T10:00:00Z") });
  assert.deepEqual([early.result, early.doors_open_at, early.doors_open_on], ["not_open", "18:00", "01/12"]);
  const late = await list.decide(payload, { direction: "in", gate: "A", now: Date.parse("2026-12-01T17:00:00Z") });
  assert.deepEqual([late.result, late.show_over], ["not_open", true]);
  await list.apply(download([], { full: false, show: { doors_open_at: null, admits_until: null } }), []);
  assert.deepEqual(list.showRules(), { doorsOpenAt: null, admitsUntil: null, reentry: false });
});

test("an update changes what it names, a full download replaces the list", async () => {
  await list.apply(download([["AAAA2222", "i", null, null, null], ["BBBB3333", "i", null, null, null]]), []);
  await list.apply(download([["BBBB3333", "c", null, null, null]], { full: false, cursor: "c2" }), []);
  assert.equal(list.size, 2);
  assert.equal(list.entries.get("BBBB3333").s, "c");
  assert.equal(list.meta.cursor, "c2");
  await list.apply(download([["CCCC4444", "i", null, null, null]], { cursor: "c3" }), []);
  assert.deepEqual([...list.entries.keys()], ["CCCC4444"]);
  assert.deepEqual([...(await store.tickets(SHOW)).keys()], ["CCCC4444"]);
});

test("scans not yet sent stay applied over a download that cannot know them", async () => {
  await list.apply(download([["ABCD2345", "i", "Lan", null, null]]), []);
  const pending = [
    { show: SHOW, code: "ABCD2345", change: { s: "a", n: "Lan", t: "19:00", g: "Cổng A" } },
    { show: "other", code: "ABCD2345", change: { s: "o" } }, // another show's queue item
    { show: SHOW, code: null, change: null }, // queued without a decision
  ];
  await list.apply(download([["ABCD2345", "i", "Lan", null, null]], { cursor: "c2" }), pending);
  assert.deepEqual(list.entries.get("ABCD2345"), { s: "a", n: "Lan", t: "19:00", g: "Cổng A" });
  assert.equal((await store.tickets(SHOW)).get("ABCD2345").s, "a");
});

test("an online answer teaches the list, so that going offline next does not admit twice", async () => {
  await list.apply(download([["ABCD2345", "i", "Lan", null, null]]), []);
  await list.learnFrom({ result: "admitted", ticket: { code: "ABCD2345", show: SHOW } }, { gate: "Cổng B", now: DURING });
  assert.deepEqual(list.entries.get("ABCD2345"), { s: "a", n: "Lan", t: "19:00", g: "Cổng B" });
  assert.equal((await store.tickets(SHOW)).get("ABCD2345").g, "Cổng B");
  const answer = await list.decide(await key.sign("ABCD2345"), { direction: "in", gate: "Cổng A", now: DURING });
  assert.deepEqual([answer.result, answer.first_gate], ["already_inside", "Cổng B"]);
});

test("answers about another show's ticket, or without a ticket, teach nothing", async () => {
  await list.apply(download([["ABCD2345", "i", null, null, null]]), []);
  await list.learnFrom({ result: "admitted", ticket: { code: "ABCD2345", show: "other" } }, { gate: "A", now: DURING });
  await list.learnFrom({ result: "invalid" }, { gate: "A", now: DURING });
  await list.learnFrom({ result: "venue_full", ticket: { code: "ABCD2345", show: SHOW } }, { gate: "A", now: DURING });
  assert.deepEqual(list.entries.get("ABCD2345"), { s: "i", n: undefined, t: undefined, g: undefined });
});

test("a change of the show's names setting is noticed (the link then downloads it whole)", async () => {
  assert.equal(list.namesChanged({ names: true }), false); // nothing to compare with yet
  await list.apply(download([], { show: { names: false } }), []);
  assert.equal(list.namesChanged({ names: false }), false);
  assert.equal(list.namesChanged({ names: true }), true);
});

test("the verifier is rebuilt only when the published keys change", async () => {
  await list.apply(download([]), []);
  const first = list.verifier;
  await list.apply(download([], { full: false, cursor: "c2" }), []);
  assert.equal(list.verifier, first);
  const next = await signer("NNNNN");
  await list.apply({ ...download([], { full: false, cursor: "c3" }), keys: [key.key, next.key] }, []);
  assert.notEqual(list.verifier, first);
  assert.equal(await list.verifier.check(await next.sign("ABCD2345")), "ABCD2345");
});
