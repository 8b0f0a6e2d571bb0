// A ticket's QR payload checked on the phone, by the rules of checkin/tickets.py:
// K1:<kid>:<code>:<signature>, the signature Ed25519 over "K1:<kid>:<code>" in unpadded base32.
// A standby pass (checkin/standby_gate.py) is the same with S1 for K1, signed with the same keys over
// its own prefix, so that neither kind's signature passes for the other; a school group's pass
// (checkin/group_pass.py) likewise with G1.

const CODE_CHARS = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const PAYLOAD = new RegExp(`^(K1|S1|G1):([A-Z2-7]{5}):([${CODE_CHARS}]{8}):([A-Z2-7]{103})$`);
const KINDS = { K1: "ticket", S1: "standby", G1: "group" };
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SIGNATURE_BYTES = 64;

// RFC 4648 base32 without padding. The last character of a 64-byte value carries 3 spare bits:
// only the spelling with those bits at zero is accepted (as the server does), so that eight
// different strings cannot pass for one ticket.
function base32Decode(text) {
  const bytes = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const value = BASE32.indexOf(char);
    if (value < 0) return null;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
      buffer &= (1 << bits) - 1;
    }
  }
  if (bits >= 5 || buffer !== 0) return null;
  return Uint8Array.from(bytes);
}

function base64urlDecode(text) {
  const plain = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(plain + "=".repeat((4 - (plain.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

// {kind, kid, code, message, signature} of a well-formed payload, or null.
function parsePayload(text) {
  const match = PAYLOAD.exec((text || "").trim());
  if (!match) return null;
  const [, prefix, kid, code, encoded] = match;
  const signature = base32Decode(encoded);
  if (!signature || signature.length !== SIGNATURE_BYTES) return null;
  const message = new TextEncoder().encode(`${prefix}:${kid}:${code}`);
  return { kind: KINDS[prefix], kid, code, message, signature };
}

async function webCryptoKeys(keys) {
  const imported = new Map();
  for (const key of keys) {
    imported.set(key.kid, await crypto.subtle.importKey(
      "raw", base64urlDecode(key.public_key), { name: "Ed25519" }, false, ["verify"]));
  }
  return (kid, message, signature) => {
    const key = imported.get(kid);
    return key ? crypto.subtle.verify({ name: "Ed25519" }, key, signature, message) : false;
  };
}

async function nobleKeys(keys, nobleUrl) {
  const ed = await import(nobleUrl);
  const raw = new Map(keys.map((key) => [key.kid, base64urlDecode(key.public_key)]));
  // Strict RFC 8032 (not ZIP-215), the closer match to the server's OpenSSL check.
  return async (kid, message, signature) => {
    const key = raw.get(kid);
    if (!key) return false;
    try {
      return await ed.verifyAsync(signature, message, key, { zip215: false });
    } catch (error) {
      return false; // a signature that is not even a curve point
    }
  };
}

// verifier.check(text) -> the ticket code a genuine ticket payload vouches for, or null;
// verifier.read(text) -> {kind: "ticket"|"standby"|"group", code} of a genuine payload, or null;
// verifier.checkPass(text) -> the pass code a genuine group pass vouches for, or null.
// WebCrypto's Ed25519 where the browser has it (Chrome 137+, Safari 17+, Firefox 129+),
// otherwise noble's audited pure-JS Ed25519 from static/vendor. `engine` forces one (tests, bench).
export async function makeVerifier(keys, { nobleUrl, engine = "auto" } = {}) {
  let verify = null;
  let used = engine;
  const usable = (keys || []).filter((key) => key.alg === "Ed25519");
  if (engine !== "noble") {
    try {
      verify = await webCryptoKeys(usable);
      used = "webcrypto";
    } catch (error) {
      if (engine === "webcrypto") throw error;
    }
  }
  if (!verify) {
    verify = await nobleKeys(usable, nobleUrl);
    used = "noble";
  }
  return {
    engine: used,
    async read(text) {
      const parsed = parsePayload(text);
      if (!parsed) return null;
      return (await verify(parsed.kid, parsed.message, parsed.signature)) ? { kind: parsed.kind, code: parsed.code } : null;
    },
    async check(text) {
      const read = await this.read(text);
      return read && read.kind === "ticket" ? read.code : null;
    },
    async checkPass(text) {
      const read = await this.read(text);
      return read && read.kind === "group" ? read.code : null;
    },
  };
}
