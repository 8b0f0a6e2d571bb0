// The gate's offline decision (static/js/gate/decide.js): the server's rules in the server's
// order, as tests/test_offline_gate.py checks them on the server's side.
import assert from "node:assert/strict";
import { test } from "node:test";

import { decide, learn } from "../../static/js/gate/decide.js";

const clock = (ms) => ({ time: `T${ms}`, day: `D${ms}` });
const OPEN = { doorsOpenAt: 1000, admitsUntil: 9000, reentry: false };
const base = { code: "ABCD2345", show: OPEN, direction: "in", gate: "Cổng A", now: 5000, clock };

test("a ticket not yet in is admitted, and the phone now holds it inside with time and gate", () => {
  const answer = decide({ ...base, entry: { s: "i", n: "Lan" } });
  assert.equal(answer.result, "admitted");
  assert.equal(answer.ok, true);
  assert.equal(answer.tone, "green");
  assert.deepEqual(answer.ticket, { code: "ABCD2345", name: "Lan" });
  assert.deepEqual(answer.change, { s: "a", n: "Lan", t: "T5000", g: "Cổng A" });
});

test("a second scan says when and where it first came in, and changes nothing", () => {
  const answer = decide({ ...base, entry: { s: "a", n: "Lan", t: "18:05", g: "Cổng B" } });
  assert.equal(answer.result, "already_inside");
  assert.equal(answer.ok, false);
  assert.equal(answer.tone, "red");
  assert.equal(answer.first_admitted_at, "18:05");
  assert.equal(answer.first_gate, "Cổng B");
  assert.equal(answer.change, null);
});

test("an entry without time or gate says ?", () => {
  const answer = decide({ ...base, entry: { s: "a" } });
  assert.equal(answer.first_admitted_at, "?");
  assert.equal(answer.first_gate, "?");
  assert.deepEqual(answer.ticket, { code: "ABCD2345", name: "" });
});

test("no code (forged or damaged) is invalid, and a code not in the list is unknown", () => {
  const invalid = decide({ ...base, code: null, entry: undefined });
  assert.deepEqual(invalid, { result: "invalid", ok: false, tone: "red", change: null });
  const unknown = decide({ ...base, entry: undefined });
  assert.equal(unknown.result, "unknown");
  assert.deepEqual(unknown.ticket, { code: "ABCD2345", name: "" });
});

test("another show's ticket is refused before the clock is looked at", () => {
  const early = decide({ ...base, now: 0, entry: { s: "x" } });
  assert.equal(early.result, "wrong_show");
  assert.equal(early.tone, "red");
});

test("before the doors open: not open, with the doors' time and day", () => {
  const answer = decide({ ...base, now: 999, entry: { s: "i" } });
  assert.equal(answer.result, "not_open");
  assert.equal(answer.tone, "amber");
  assert.equal(answer.doors_open_at, "T1000");
  assert.equal(answer.doors_open_on, "D1000");
  assert.equal(answer.change, null);
});

test("after the last admission time: the show is over, even for a cancelled ticket", () => {
  for (const s of ["i", "c", "w", "a"]) {
    const answer = decide({ ...base, now: 9000, entry: { s } });
    assert.equal(answer.result, "not_open");
    assert.equal(answer.show_over, true);
  }
});

test("the clock does not stop anyone going out", () => {
  const answer = decide({ ...base, direction: "out", now: 9500, entry: { s: "a", n: "Lan" } });
  assert.equal(answer.result, "exited");
  assert.deepEqual(answer.change, { s: "o", n: "Lan" });
});

test("a show without doors or end times admits at any time", () => {
  const show = { doorsOpenAt: null, admitsUntil: null, reentry: false };
  assert.equal(decide({ ...base, show, now: 0, entry: { s: "i" } }).result, "admitted");
});

test("cancelled and waitlisted tickets are refused, in either direction", () => {
  for (const direction of ["in", "out"]) {
    assert.equal(decide({ ...base, direction, entry: { s: "c" } }).result, "cancelled");
    assert.equal(decide({ ...base, direction, entry: { s: "w" } }).result, "waitlisted");
  }
});

test("going out: only a ticket inside may, the others are told it has not come in", () => {
  for (const s of ["i", "o"]) {
    const answer = decide({ ...base, direction: "out", entry: { s } });
    assert.equal(answer.result, "not_inside");
    assert.equal(answer.tone, "amber");
    assert.equal(answer.change, null);
  }
});

test("coming back in: re-entered where the show allows it, already inside where it does not", () => {
  const entry = { s: "o", n: "Lan", t: "18:05", g: "Cổng B" };
  const back = decide({ ...base, show: { ...OPEN, reentry: true }, entry });
  assert.equal(back.result, "reentered");
  assert.equal(back.ok, true);
  assert.equal(back.tone, "amber");
  assert.equal(back.first_admitted_at, "18:05");
  assert.deepEqual(back.change, { ...entry, s: "a" }); // the first entry's time and gate stay
  const refused = decide({ ...base, entry });
  assert.equal(refused.result, "already_inside");
  assert.equal(refused.change, null);
});

test("learn: what a server's answer tells the phone about a ticket", () => {
  const at = { gate: "Cổng A", now: 7000, clock };
  assert.deepEqual(learn(undefined, { result: "admitted" }, at), { s: "a", t: "T7000", g: "Cổng A" });
  assert.deepEqual(learn({ s: "o", n: "Lan", t: "18:05", g: "B" }, { result: "reentered" }, at),
    { s: "a", n: "Lan", t: "18:05", g: "B" });
  assert.deepEqual(learn({ s: "i" }, { result: "already_inside", first_admitted_at: "18:00", first_gate: "C" }, at),
    { s: "a", t: "18:00", g: "C" });
  // Already inside while the phone thinks the person went out: out stays out (a re-entry may follow).
  assert.equal(learn({ s: "o", t: "18:05", g: "B" }, { result: "already_inside" }, at).s, "o");
  assert.deepEqual(learn({ s: "a", n: "Lan" }, { result: "exited" }, at), { s: "o", n: "Lan" });
  assert.equal(learn({ s: "i" }, { result: "cancelled" }, at).s, "c");
  assert.equal(learn({ s: "i" }, { result: "waitlisted" }, at).s, "w");
  for (const result of ["invalid", "unknown", "wrong_show", "not_open", "venue_full", "conflict"]) {
    assert.equal(learn({ s: "i" }, { result }, at), null, result);
  }
});

test("an admitted-then-decided ticket is not admitted twice", () => {
  const first = decide({ ...base, entry: { s: "i" } });
  const second = decide({ ...base, now: 6000, entry: first.change });
  assert.equal(second.result, "already_inside");
  assert.equal(second.first_admitted_at, "T5000");
  assert.equal(second.first_gate, "Cổng A");
});
