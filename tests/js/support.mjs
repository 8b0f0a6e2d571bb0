// Shared by the JS tests: a ticket payload signer like the server's (checkin/tickets.py), and an
// in-memory stand-in for the phone's IndexedDB store (static/js/gate/store.js).
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function base32(bytes) {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return bits ? out + BASE32[(buffer << (5 - bits)) & 31] : out;
}

// A fresh signing key: its public part as the gate list publishes it, and sign(code) -> payload.
export async function signer(kid) {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return {
    key: { kid, alg: "Ed25519", public_key: Buffer.from(raw).toString("base64url") },
    async sign(code) {
      const message = `K1:${kid}:${code}`;
      const signature = await crypto.subtle.sign({ name: "Ed25519" }, pair.privateKey, new TextEncoder().encode(message));
      return `${message}:${base32(new Uint8Array(signature))}`;
    },
  };
}

// Store's methods the list and the link use, kept in Maps; `queue` is sorted like Store.queued().
export class MemoryStore {
  constructor() {
    this.metas = new Map();
    this.rows = new Map(); // "show code" -> record
    this.queue = new Map();
  }

  async meta(show) {
    return this.metas.get(show);
  }

  async tickets(show) {
    const found = [...this.rows.values()].filter((record) => record.show === show);
    return new Map(found.map(({ code, s, n, t, g }) => [code, { s, n, t, g }]));
  }

  async saveList(show, meta, records, full) {
    if (full) for (const [key, record] of this.rows) if (record.show === show) this.rows.delete(key);
    for (const record of records) this.rows.set(`${record.show} ${record.code}`, record);
    this.metas.set(show, { show, ...meta });
  }

  async saveTicket(record) {
    this.rows.set(`${record.show} ${record.code}`, record);
  }

  async enqueue(item, record) {
    this.queue.set(item.client_scan_id, item);
    if (record) await this.saveTicket(record);
  }

  async queued() {
    return [...this.queue.values()].sort((a, b) => (a.scanned_at < b.scanned_at ? -1 : a.scanned_at > b.scanned_at ? 1 : 0));
  }

  async pending() {
    return this.queue.size;
  }

  async settle(ids) {
    for (const id of ids) this.queue.delete(id);
  }
}
