// The gate's answer decided on the phone, without the server: a pure function of the verified
// code, this phone's ticket list (with its own earlier scans applied), the show and the clock.
// The checks run in the server's order (checkin/admission.py) so that both answer alike; what
// the phone cannot know (the venue's capacity, other phones' scans since the last sync) the
// server settles when the scan is uploaded.

// Ticket states of the gate list (checkin/offline.py).
const ISSUED = "i";
const INSIDE = "a";
const OUTSIDE = "o";
const CANCELLED = "c";
const WAITLISTED = "w";
const OTHER_SHOW = "x";

const TONES = { admitted: "green", exited: "green", reentered: "amber", not_open: "amber", not_inside: "amber" };
const OK = new Set(["admitted", "reentered", "exited"]);

function answer(result, code, entry, extra = {}) {
  const out = { result, ok: OK.has(result), tone: TONES[result] || "red", ...extra };
  if (code) out.ticket = { code, name: (entry && entry.n) || "" };
  return out;
}

// decide({code, entry, show, direction, gate, now, clock}) -> an answer shaped like the server's
// ({result, ok, tone, ticket, first_admitted_at?, first_gate?, ...}) plus `change`: the entry
// this phone now holds for the ticket, or null when nothing changed.
//   code   the code a genuine payload vouches for, or null (forged, damaged, unknown key)
//   entry  {s, n?, t?, g?} from the list (state, name, admitted HH:MM, admitted gate) or undefined
//   show   {doorsOpenAt, admitsUntil (epoch ms), reentry}
//   clock  (epoch ms) -> {time: "HH:MM", day: "DD/MM"} in the festival's time zone
export function decide({ code, entry, show, direction, gate, now, clock }) {
  if (!code) return { ...answer("invalid"), change: null };
  if (!entry) return { ...answer("unknown", code), change: null };
  if (entry.s === OTHER_SHOW) return { ...answer("wrong_show", code, entry), change: null };
  if (direction === "in") {
    if (show.doorsOpenAt != null && now < show.doorsOpenAt) {
      const doors = clock(show.doorsOpenAt);
      return { ...answer("not_open", code, entry, { doors_open_at: doors.time, doors_open_on: doors.day }), change: null };
    }
    if (show.admitsUntil != null && now >= show.admitsUntil) {
      return { ...answer("not_open", code, entry, { show_over: true }), change: null };
    }
  }
  if (entry.s === CANCELLED) return { ...answer("cancelled", code, entry), change: null };
  if (entry.s === WAITLISTED) return { ...answer("waitlisted", code, entry), change: null };
  const first = { first_admitted_at: entry.t || "?", first_gate: entry.g || "?" };
  if (direction === "out") {
    if (entry.s === INSIDE) return { ...answer("exited", code, entry), change: { ...entry, s: OUTSIDE } };
    return { ...answer("not_inside", code, entry), change: null };
  }
  if (entry.s === ISSUED) {
    return { ...answer("admitted", code, entry), change: { ...entry, s: INSIDE, t: clock(now).time, g: gate } };
  }
  if (entry.s === OUTSIDE && show.reentry) {
    return { ...answer("reentered", code, entry, first), change: { ...entry, s: INSIDE } };
  }
  return { ...answer("already_inside", code, entry, first), change: null };
}

// What a server's answer teaches the phone about a ticket it scanned online, so that a switch
// to offline a moment later does not admit the same ticket twice.
export function learn(entry, response, { gate, now, clock }) {
  const base = entry || { s: ISSUED };
  switch (response.result) {
    case "admitted":
      return { ...base, s: INSIDE, t: clock(now).time, g: gate };
    case "reentered":
      return { ...base, s: INSIDE };
    case "already_inside":
      return { ...base, s: base.s === OUTSIDE ? OUTSIDE : INSIDE, t: response.first_admitted_at || base.t,
        g: response.first_gate || base.g };
    case "exited":
      return { ...base, s: OUTSIDE };
    case "cancelled":
      return { ...base, s: CANCELLED };
    case "waitlisted":
      return { ...base, s: WAITLISTED };
    default:
      return null;
  }
}
