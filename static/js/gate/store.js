// What the phone keeps in IndexedDB: the shows' ticket lists (to decide scans offline) and the
// queue of scans not yet sent. The queue holds no personal data (a QR payload, a gate, a time);
// the lists may hold names when the show allows it, and signing out removes them.

const DB_NAME = "checkin-gate";
const DB_VERSION = 1;
// {show, code, s, n?, t?, g?}: one ticket of a show's list; a standby pass is
// {show, code: "S:<code>", s, k (its number), n?, t?, g?} (gate/standby.js)
const TICKETS = "tickets";
const META = "meta"; // {show, info, gates, keys, cursor, syncedAt, standby, groups}: the rest of a show's list
// A group member's item also has `member` (the ticket code) beside the group's pass as payload.
const QUEUE = "queue"; // {client_scan_id, payload, show, gate, direction, scanned_at, local_result, code, change}
// A scan kept in the queue must outlive a crash or a dead battery the moment it is answered.
const STRICT = { durability: "strict" };

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function committed(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error || new Error("aborted"));
  });
}

function showRange(show) {
  // Every [show, code] key of one show: arrays sort after every string.
  return IDBKeyRange.bound([show, ""], [show, []]);
}

export function ticketRecord(show, [code, state, name, time, gate]) {
  const record = { show, code, s: state };
  if (name != null) record.n = name;
  if (time != null) record.t = time;
  if (gate != null) record.g = gate;
  return record;
}

export class Store {
  constructor(db) {
    this.db = db;
  }

  static async open() {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore(TICKETS, { keyPath: ["show", "code"] });
      db.createObjectStore(META, { keyPath: "show" });
      db.createObjectStore(QUEUE, { keyPath: "client_scan_id" });
    };
    return new Store(await done(request));
  }

  async meta(show) {
    return done(this.db.transaction(META).objectStore(META).get(show));
  }

  // The list of a show as a Map code -> {s, n?, t?, g?, k?}.
  async tickets(show) {
    const records = await done(this.db.transaction(TICKETS).objectStore(TICKETS).getAll(showRange(show)));
    return new Map(records.map(({ code, s, n, t, g, k }) => [code, { s, n, t, g, k }]));
  }

  // A download of the list: the whole list replaces the old one, a partial one updates it.
  async saveList(show, meta, records, full) {
    const transaction = this.db.transaction([TICKETS, META], "readwrite");
    const tickets = transaction.objectStore(TICKETS);
    if (full) tickets.delete(showRange(show));
    for (const record of records) tickets.put(record);
    transaction.objectStore(META).put({ show, ...meta });
    return committed(transaction);
  }

  async saveTicket(record) {
    const transaction = this.db.transaction(TICKETS, "readwrite");
    transaction.objectStore(TICKETS).put(record);
    return committed(transaction);
  }

  // A scan decided offline: into the queue, and its effect into the list, in one transaction.
  async enqueue(item, record) {
    const transaction = this.db.transaction([QUEUE, TICKETS], "readwrite", STRICT);
    transaction.objectStore(QUEUE).put(item);
    if (record) transaction.objectStore(TICKETS).put(record);
    return committed(transaction);
  }

  // One step that decided several scans (a school group's members): all queued, or none.
  async enqueueAll(items, records) {
    const transaction = this.db.transaction([QUEUE, TICKETS], "readwrite", STRICT);
    for (const item of items) transaction.objectStore(QUEUE).put(item);
    for (const record of records) transaction.objectStore(TICKETS).put(record);
    return committed(transaction);
  }

  // Oldest first: the server applies a batch in the order the scans were made.
  async queued() {
    const items = await done(this.db.transaction(QUEUE).objectStore(QUEUE).getAll());
    return items.sort((a, b) => (a.scanned_at < b.scanned_at ? -1 : a.scanned_at > b.scanned_at ? 1 : 0));
  }

  async pending() {
    return done(this.db.transaction(QUEUE).objectStore(QUEUE).count());
  }

  async settle(ids) {
    const transaction = this.db.transaction(QUEUE, "readwrite", STRICT);
    const queue = transaction.objectStore(QUEUE);
    for (const id of ids) queue.delete(id);
    return committed(transaction);
  }

  // Signing out (on this page or elsewhere): every show's list (with any names) goes, and so does
  // the scanner page's offline copy (the cache named `pageCache`); the queue of unsent scans stays.
  async forgetOnSignOut(pageCache) {
    const transaction = this.db.transaction([TICKETS, META], "readwrite", STRICT);
    transaction.objectStore(TICKETS).clear();
    transaction.objectStore(META).clear();
    await committed(transaction);
    if (globalThis.caches) await caches.delete(pageCache);
  }
}
