// A standby pass (checkin/standby_gate.py) decided on the phone, without the server: a pure function
// of the verified pass code, this phone's copy of the show's standby passes, the number called
// when the list was downloaded, the show and the clock. The checks run in the order of the
// server's standby_gate._decide; what the phone cannot know (the venue's room, numbers called since
// the download) the server settles when the scan is uploaded.

import { learn } from "./decide.js";

// Pass states, as the gate list's ticket states (checkin/offline.py).
const ISSUED = "i";
const INSIDE = "a";
const OUTSIDE = "o";
const OTHER_SHOW = "x";

const TONES = { admitted: "green", exited: "green", reentered: "amber", not_open: "amber", not_inside: "amber" };
const OK = new Set(["admitted", "reentered", "exited"]);

// Passes share the list with tickets (the IndexedDB store, the in-memory map) under their own key.
export function standbyKey(code) {
  return `S:${code}`;
}

// [code, number, state, name?, HH:MM?, gate?] from the gate list -> a stored record.
export function standbyRecord(show, [code, number, state, name, time, gate]) {
  const record = { show, code: standbyKey(code), s: state, k: number };
  if (name != null) record.n = name;
  if (time != null) record.t = time;
  if (gate != null) record.g = gate;
  return record;
}

function answer(result, code, entry, calledUpTo, extra = {}) {
  const out = { result, ok: OK.has(result), tone: TONES[result] || "red", ...extra };
  if (code) out.ticket = { code, name: (entry && entry.n) || "" };
  if (entry && entry.s !== OTHER_SHOW) out.standby = { number: entry.k, called_up_to: calledUpTo };
  return out;
}

// decideStandby({code, entry, calledUpTo, show, direction, gate, now, clock}) -> an answer shaped
// like the server's ({result, ok, tone, ticket, standby: {number, called_up_to}, ...}) plus
// `change`: the entry this phone now holds for the pass, or null when nothing changed.
//   entry       {s, k, n?, t?, g?} (state, number, name, admitted HH:MM, admitted gate) or undefined
//   calledUpTo  the number called at the list's download (or learnt since from the server)
//   show, clock as decide() in decide.js
export function decideStandby({ code, entry, calledUpTo, show, direction, gate, now, clock }) {
  if (!code) return { ...answer("invalid"), change: null };
  if (!entry) return { ...answer("unknown", code), change: null };
  if (entry.s === OTHER_SHOW) return { ...answer("wrong_show", code, entry), change: null };
  const said = (result, extra) => answer(result, code, entry, calledUpTo, extra);
  if (direction === "out") {
    if (entry.s === INSIDE) return { ...said("exited"), change: { ...entry, s: OUTSIDE } };
    return { ...said("not_inside"), change: null };
  }
  if (show.doorsOpenAt != null && now < show.doorsOpenAt) {
    const doors = clock(show.doorsOpenAt);
    return { ...said("not_open", { doors_open_at: doors.time, doors_open_on: doors.day }), change: null };
  }
  if (show.admitsUntil != null && now >= show.admitsUntil) {
    return { ...said("not_open", { show_over: true }), change: null };
  }
  const first = { first_admitted_at: entry.t || "?", first_gate: entry.g || "?" };
  if (entry.s === OUTSIDE && show.reentry) return { ...said("reentered", first), change: { ...entry, s: INSIDE } };
  if (entry.s !== ISSUED) return { ...said("already_inside", first), change: null };
  if (!(entry.k <= calledUpTo)) return { ...said("not_open", { standby_not_called: true }), change: null };
  return { ...said("admitted"), change: { ...entry, s: INSIDE, t: clock(now).time, g: gate } };
}

// What a server's answer about a pass teaches the phone: a ticket's lesson (learn() in
// decide.js), on an entry that keeps the pass's number; a pass it did not hold is kept anyway.
export function learnStandby(entry, response, context) {
  const base = { s: ISSUED, ...(entry || {}), k: response.standby.number };
  return learn(base, response, context) || (entry ? null : base);
}
