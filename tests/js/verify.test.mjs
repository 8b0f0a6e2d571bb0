// A ticket's QR payload checked on the phone (static/js/gate/verify.js), with WebCrypto's
// Ed25519 (Node 20 has it, as recent browsers do) and with noble's, vendored for the others.
import assert from "node:assert/strict";
import { test } from "node:test";

import { makeVerifier } from "../../static/js/gate/verify.js";
import { signer } from "./support.mjs";

const NOBLE = new URL("../../static/vendor/noble-ed25519/index.js", import.meta.url).href;
const ENGINES = ["webcrypto", "noble"];

// Signed by the server's own code (checkin/tickets.py sign_payload), with the private key whose
// bytes are 0, 1, ..., 31: the phone must accept what the server signs.
const SERVER_KEY = { kid: "KZDVV", alg: "Ed25519", public_key: "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg" };
const SERVER_PAYLOAD = "K1:KZDVV:ABCD2345:CIXOBLYXY2H4XSUAVZDZNAZ73A7WPYWBX4TI34ZV27PJHJY7Y7WMAF4SMQNDIA735YORV5FUSMEMOEMJNOFIMKH4H6K7RWUWHMXRSAA";

for (const engine of ENGINES) {
  test(`${engine}: the server's payload gives its code`, async () => {
    const verifier = await makeVerifier([SERVER_KEY], { nobleUrl: NOBLE, engine });
    assert.equal(verifier.engine, engine);
    assert.equal(await verifier.check(SERVER_PAYLOAD), "ABCD2345");
    assert.equal(await verifier.check(`  ${SERVER_PAYLOAD}\n`), "ABCD2345"); // as a reader may add
  });

  test(`${engine}: a changed code, signature or key id is refused`, async () => {
    const verifier = await makeVerifier([SERVER_KEY], { nobleUrl: NOBLE, engine });
    const [, kid, code, signature] = SERVER_PAYLOAD.split(":");
    const forged = [
      `K1:${kid}:ABCD2346:${signature}`,
      `K1:${kid}:${code}:${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`,
      `K1:AAAAA:${code}:${signature}`,
    ];
    for (const payload of forged) assert.equal(await verifier.check(payload), null, payload);
  });

  test(`${engine}: the one spelling of a signature (its 3 spare bits at zero) is accepted`, async () => {
    const verifier = await makeVerifier([SERVER_KEY], { nobleUrl: NOBLE, engine });
    const last = SERVER_PAYLOAD.at(-1);
    assert.equal(last, "A");
    // "B" sets only a spare bit: the same signature's bytes, spelled differently.
    assert.equal(await verifier.check(`${SERVER_PAYLOAD.slice(0, -1)}B`), null);
  });

  test(`${engine}: malformed payloads are refused without a throw`, async () => {
    const verifier = await makeVerifier([SERVER_KEY], { nobleUrl: NOBLE, engine });
    for (const text of ["", null, undefined, "hello", "K1:KZDVV:ABCD2345", "K2" + SERVER_PAYLOAD.slice(2),
      SERVER_PAYLOAD.toLowerCase(), SERVER_PAYLOAD + "A", "K1:KZDVV:ABCD1345:" + SERVER_PAYLOAD.split(":")[3],
      "G1:whatever"]) {
      assert.equal(await verifier.check(text), null, String(text));
    }
  });

  test(`${engine}: several keys (a rotation), each payload checked with its own`, async () => {
    const other = await signer("QQQQQ");
    const verifier = await makeVerifier([SERVER_KEY, other.key], { nobleUrl: NOBLE, engine });
    assert.equal(await verifier.check(SERVER_PAYLOAD), "ABCD2345");
    assert.equal(await verifier.check(await other.sign("ZZZZ9999")), "ZZZZ9999");
    // Signed by the other key but naming the server's key id.
    const stolen = (await other.sign("ZZZZ9999")).replace("QQQQQ", "KZDVV");
    assert.equal(await verifier.check(stolen), null);
  });

  test(`${engine}: without keys, or with keys of another algorithm, nothing passes`, async () => {
    for (const keys of [[], null, [{ ...SERVER_KEY, alg: "RSA" }]]) {
      const verifier = await makeVerifier(keys, { nobleUrl: NOBLE, engine });
      assert.equal(await verifier.check(SERVER_PAYLOAD), null);
    }
  });
}

test("auto: WebCrypto where the platform has it", async () => {
  const verifier = await makeVerifier([SERVER_KEY], { nobleUrl: NOBLE });
  assert.equal(verifier.engine, "webcrypto");
  assert.equal(await verifier.check(SERVER_PAYLOAD), "ABCD2345");
});
