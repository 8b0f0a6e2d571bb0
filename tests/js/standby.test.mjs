// A standby pass decided on the phone (static/js/gate/standby.js): the server's standby rules in
// their order (tests/test_standby_offline.py checks the server's side), the called number as
// the phone knows it.
import assert from "node:assert/strict";
import { test } from "node:test";

import { decideStandby, learnStandby, standbyKey, standbyRecord } from "../../static/js/gate/standby.js";

const clock = (ms) => ({ time: `T${ms}`, day: `D${ms}` });
const OPEN = { doorsOpenAt: 1000, admitsUntil: 9000, reentry: false };
const base = { code: "ABCD2345", show: OPEN, direction: "in", gate: "Cổng A", now: 5000, clock, calledUpTo: 5 };

test("a called number is let in, and the phone holds the pass inside with its number", () => {
  const answer = decideStandby({ ...base, entry: { s: "i", k: 5, n: "Lan" } });
  assert.equal(answer.result, "admitted");
  assert.deepEqual(answer.standby, { number: 5, called_up_to: 5 });
  assert.deepEqual(answer.change, { s: "a", k: 5, n: "Lan", t: "T5000", g: "Cổng A" });
});

test("a number not called yet is refused with the number called, and nothing changes", () => {
  const answer = decideStandby({ ...base, entry: { s: "i", k: 6 } });
  assert.equal(answer.result, "not_open");
  assert.equal(answer.standby_not_called, true);
  assert.deepEqual(answer.standby, { number: 6, called_up_to: 5 });
  assert.equal(answer.change, null);
});

test("doors, the show's end, a second entry and an unknown pass answer as the server does", () => {
  assert.equal(decideStandby({ ...base, now: 500, entry: { s: "i", k: 1 } }).result, "not_open");
  assert.equal(decideStandby({ ...base, now: 9000, entry: { s: "i", k: 1 } }).show_over, true);
  const again = decideStandby({ ...base, entry: { s: "a", k: 1, t: "18:05", g: "Cổng B" } });
  assert.equal(again.result, "already_inside");
  assert.equal(again.first_gate, "Cổng B");
  assert.equal(decideStandby({ ...base, entry: undefined }).result, "unknown");
  assert.equal(decideStandby({ ...base, entry: { s: "x", k: 0 } }).result, "wrong_show");
  assert.equal(decideStandby({ ...base, code: null }).result, "invalid");
});

test("an online answer teaches the phone the pass's state and keeps its number", () => {
  const ctx = { gate: "Cổng A", now: 7000, clock };
  const admitted = { result: "admitted", standby: { number: 3, called_up_to: 4 } };
  assert.deepEqual(learnStandby({ s: "i", k: 3 }, admitted, ctx), { s: "a", k: 3, t: "T7000", g: "Cổng A" });
  assert.deepEqual(learnStandby(undefined, { result: "not_open", standby: { number: 9, called_up_to: 4 } }, ctx), {
    s: "i",
    k: 9,
  });
  assert.equal(learnStandby({ s: "i", k: 9 }, { result: "not_open", standby: { number: 9 } }, ctx), null);
});

test("passes live beside tickets in the list under their own key", () => {
  assert.equal(standbyKey("ABCD2345"), "S:ABCD2345");
  assert.deepEqual(standbyRecord("gala", ["ABCD2345", 4, "a", "Lan", "18:05", "Cổng B"]), {
    show: "gala",
    code: "S:ABCD2345",
    s: "a",
    k: 4,
    n: "Lan",
    t: "18:05",
    g: "Cổng B",
  });
});
