// This phone's copy of a show's gate list (GET /api/v1/shows/<slug>/gate-list), held in memory
// for quick decisions and in IndexedDB so that it survives a reload without network. Standby
// passes live beside the tickets under their own key (gate/standby.js), with the number called
// at the download kept in the list's meta.

import { decide, learn } from "./decide.js";
import { admitGroup, findGroup, groupView } from "./group_offline.js";
import { decideStandby, learnStandby, standbyKey, standbyRecord } from "./standby.js";
import { ticketRecord } from "./store.js";
import { makeVerifier } from "./verify.js";

const FESTIVAL_TIME_ZONE = "Asia/Ho_Chi_Minh";
const TIME = new Intl.DateTimeFormat("en-GB", { timeZone: FESTIVAL_TIME_ZONE, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const DAY = new Intl.DateTimeFormat("en-GB", { timeZone: FESTIVAL_TIME_ZONE, day: "2-digit", month: "2-digit" });

// Epoch ms -> the festival's wall clock, as the server words times (HH:MM, DD/MM).
export function festivalClock(ms) {
  return { time: TIME.format(ms), day: DAY.format(ms) };
}

export class GateList {
  constructor(store, show, { nobleUrl, engine } = {}) {
    this.store = store;
    this.show = show;
    this.nobleUrl = nobleUrl;
    this.engine = engine;
    this.meta = null;
    this.entries = new Map();
    this.verifier = null;
    this.keysSeen = "";
    // The highest called number an online answer has shown since the last download.
    this.learntCalled = 0;
  }

  get ready() {
    return this.meta !== null;
  }

  // Tickets only: what the volunteer's "list of N tickets" counts.
  get size() {
    let passes = 0;
    for (const entry of this.entries.values()) if (entry.k != null) passes += 1;
    return this.entries.size - passes;
  }

  get calledUpTo() {
    return Math.max((this.meta && this.meta.standby && this.meta.standby.called_up_to) || 0, this.learntCalled);
  }

  async load() {
    this.meta = (await this.store.meta(this.show)) || null;
    this.entries = this.meta ? await this.store.tickets(this.show) : new Map();
    await this.useKeys(this.meta ? this.meta.keys : []);
  }

  async useKeys(keys) {
    const seen = JSON.stringify(keys || []);
    if (this.verifier && seen === this.keysSeen) return;
    this.verifier = await makeVerifier(keys || [], { nobleUrl: this.nobleUrl, engine: this.engine });
    this.keysSeen = seen;
  }

  // A download from the server. `pending` are the queued scans not yet uploaded: the server
  // cannot know them yet, so their effect is laid again over what it sent.
  async apply(body, pending) {
    const standby = body.standby || { called_up_to: 0, passes: [] };
    const meta = {
      info: body.show, gates: body.gates, keys: body.keys, cursor: body.cursor, syncedAt: Date.now(),
      standby: { called_up_to: standby.called_up_to },
      groups: body.groups || [],
    };
    const records = body.tickets.map((ticket) => ticketRecord(this.show, ticket));
    records.push(...standby.passes.map((entry) => standbyRecord(this.show, entry)));
    for (const item of pending) {
      if (item.show === this.show && item.change) records.push(this.record(item.code, item.change));
    }
    await this.store.saveList(this.show, meta, records, body.full);
    if (body.full) this.entries = new Map();
    for (const { code, s, n, t, g, k } of records) this.entries.set(code, k == null ? { s, n, t, g } : { s, n, t, g, k });
    this.meta = { show: this.show, ...meta };
    await this.useKeys(body.keys);
  }

  namesChanged(show) {
    const before = this.meta && this.meta.info;
    return Boolean(before) && Boolean(before.names) !== Boolean(show && show.names);
  }

  // The show as decide() needs it.
  showRules() {
    const info = (this.meta && this.meta.info) || {};
    return {
      doorsOpenAt: info.doors_open_at ? Date.parse(info.doors_open_at) : null,
      admitsUntil: info.admits_until ? Date.parse(info.admits_until) : null,
      reentry: Boolean(info.reentry_allowed),
    };
  }

  // An offline answer for a payload: the signature, then the list. Returns decide()'s answer
  // (decideStandby()'s for a standby pass).
  async decide(payload, { direction, gate, now = Date.now() }) {
    const read = this.verifier ? await this.verifier.read(payload) : null;
    const show = this.showRules();
    if (read && read.kind === "standby") {
      const entry = this.entries.get(standbyKey(read.code));
      return decideStandby({ code: read.code, entry, calledUpTo: this.calledUpTo, show, direction, gate, now,
        clock: festivalClock });
    }
    const code = read && read.kind === "ticket" ? read.code : null;
    const entry = code ? this.entries.get(code) : undefined;
    return decide({ code, entry, show, direction, gate, now, clock: festivalClock });
  }

  // The stored record of a ticket's or a pass's entry (a pass's entry carries its number, k).
  record(code, change) {
    return { show: this.show, code: change.k != null ? standbyKey(code) : code, ...change };
  }

  // A group pass offline: the group (verified, and in this list) or null.
  async group(payload) {
    const passCode = this.verifier ? await this.verifier.checkPass(payload) : null;
    return passCode ? findGroup(this.meta && this.meta.groups, passCode) : null;
  }

  groupView(group) {
    return groupView(group, this.entries);
  }

  // One step of a group offline ({codes} or {count}): each member's decision (group_offline.js).
  admitGroup(group, { codes, count, gate, now = Date.now() }) {
    return admitGroup({ group, entries: this.entries, codes, count, show: this.showRules(), gate, now,
      clock: festivalClock });
  }

  // Keeps a decided change in memory (the caller writes it to IndexedDB with its scan).
  remember(code, change) {
    const record = this.record(code, change);
    this.entries.set(record.code, change);
    return record;
  }

  // An answer the server gave online: the list learns it at once.
  async learnFrom(response, { gate, now = Date.now() }) {
    const code = response.ticket && response.ticket.code;
    if (!code || (response.ticket.show && response.ticket.show !== this.show)) return;
    let change;
    if (response.standby) {
      this.learntCalled = Math.max(this.learntCalled, response.standby.called_up_to || 0);
      change = learnStandby(this.entries.get(standbyKey(code)), response, { gate, now, clock: festivalClock });
    } else {
      change = learn(this.entries.get(code), response, { gate, now, clock: festivalClock });
    }
    if (change) await this.store.saveTicket(this.remember(code, change));
  }
}
