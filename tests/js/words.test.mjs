// The scanner's own words (static/js/gate/words.js): sentences of the page's configuration, with
// their {holes} filled from an answer by the fields the server's table names
// (tests/test_scanner_config.py checks them against the server's own wording).
import assert from "node:assert/strict";
import { test } from "node:test";

import { fill, offlineKey, sentence } from "../../static/js/gate/words.js";

const SENTENCES = {
  invalid: { text: "Not valid.", fields: {}, missing: "" },
  admitted: { text: "Welcome, {name}!", fields: { name: "ticket.name" }, missing: "" },
  already_inside: { text: "In at {time} at {gate}.", fields: { time: "first_admitted_at", gate: "first_gate" }, missing: "?" },
};

test("fill: holes with a value are filled, the others stay as written", () => {
  assert.equal(fill("{count} tickets, {time}", { count: "1.234", time: "19:00" }), "1.234 tickets, 19:00");
  assert.equal(fill("{count} {unknown}", { count: 0 }), "0 {unknown}");
  assert.equal(fill(undefined), "");
});

test("sentence: fields by dotted path, `missing` where the answer lacks one", () => {
  assert.equal(sentence(SENTENCES, "admitted", { ticket: { name: "Lan" } }), "Welcome, Lan!");
  assert.equal(sentence(SENTENCES, "already_inside", { first_admitted_at: "18:05" }), "In at 18:05 at ?.");
  assert.equal(sentence(SENTENCES, "admitted", {}), "Welcome, !");
});

test("sentence: a key the table lacks says the ticket is not valid, as the server does", () => {
  assert.equal(sentence(SENTENCES, "no_such_result", {}), "Not valid.");
});

test("offlineKey: the server's sentence unless the phone knows less", () => {
  const named = { ticket: { code: "ABCD2345", name: "Lan" } };
  const nameless = { ticket: { code: "ABCD2345", name: "" } };
  assert.equal(offlineKey({ result: "admitted", ...named }), "admitted");
  assert.equal(offlineKey({ result: "admitted", ...nameless }), "admitted.nameless");
  assert.equal(offlineKey({ result: "exited", ...named }), "exited");
  assert.equal(offlineKey({ result: "exited", ...nameless }), "exited.nameless");
  assert.equal(offlineKey({ result: "unknown", ...nameless }), "unknown.offline");
  assert.equal(offlineKey({ result: "wrong_show", ...named }), "wrong_show.offline");
  assert.equal(offlineKey({ result: "not_open", show_over: true }), "not_open.show_over");
  assert.equal(offlineKey({ result: "not_open", doors_open_at: "19:00" }), "not_open");
  for (const result of ["reentered", "already_inside", "not_inside", "invalid", "cancelled", "waitlisted"]) {
    assert.equal(offlineKey({ result, ...named }), result);
  }
});

test("offlineKey: a standby pass decided on the phone says its number, as the server does", () => {
  const standby = { number: 7, called_up_to: 5 };
  assert.equal(offlineKey({ result: "admitted", standby, ticket: { code: "C", name: "Lan" } }), "admitted.standby");
  assert.equal(offlineKey({ result: "admitted", standby, ticket: { code: "C", name: "" } }), "admitted.standby.nameless");
  assert.equal(offlineKey({ result: "not_open", standby, standby_not_called: true }), "not_open.standby_not_called");
  assert.equal(offlineKey({ result: "already_inside", standby }), "already_inside");
});
