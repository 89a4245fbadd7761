/**
 * Every shared vector in tests/vectors/ through the WASM core (mod.ts), and
 * every valid tag and derived key checked again against Web Crypto's HMAC
 * and PBKDF2 and hash-wasm's PBKDF2, independently of the library; the
 * server-key derivations (keys.json) through the library.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createSHA256, pbkdf2 } from "hash-wasm";
import {
  adminSecretFromPassword,
  encodeAddress,
  encodeInfo,
  formatKeyId,
  keyIdOf,
  KeySet,
  type KeyStatus,
  MacKey,
  parseKeyId,
  serverKeyBytes,
  type ServerState,
  Verdict,
  verifyLegacyRequest,
  verifyReply,
  verifyRequest,
} from "../../mod.ts";
import type { VectorServerKey, VectorState } from "../vectors/types.ts";
import { vectorFiles } from "../vectors/generate.ts";
import { fromHex as unhex, hex } from "../../core/hex.ts";

const DIR = new URL("../vectors/", import.meta.url);
const load = async (name: string) =>
  JSON.parse(await Deno.readTextFile(new URL(name, DIR))).cases;
const requests = await load("requests.json");
const replies = await load("replies.json");
const legacy = await load("legacy.json");
const keys = await load("keys.json");

const encoder = new TextEncoder();

/** PBKDF2 by Web Crypto, with the protocol's parameters spelled out here. */
async function webCryptoKey(password: string): Promise<string> {
  const base = await crypto.subtle.importKey(
    "raw",
    encoder.encode(password),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    {
      name: "PBKDF2",
      hash: "SHA-256",
      salt: encoder.encode("netsysrq v1 key"),
      iterations: 100000,
    },
    base,
    256,
  );
  return hex(new Uint8Array(bits));
}

/** The 16-byte tag by Web Crypto: HMAC(K, label || A || body). */
async function webCryptoTag(
  keyHex: string,
  label: string,
  addressHex: string,
  body: Uint8Array,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    unhex(keyHex),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const input = new Uint8Array(32 + body.length);
  input.set(encoder.encode(label)); // 15 ASCII bytes, then the NUL
  input.set(unhex(addressHex), 16);
  input.set(body, 32);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, input));
  return hex(mac.subarray(0, 16));
}

const tagOf = (packet: Uint8Array) => hex(packet.subarray(packet.length - 16));
const bodyOf = (packet: Uint8Array) => packet.subarray(0, packet.length - 16);

Deno.test("vectors: requests.json covers what the contract promises", () => {
  assert.ok(requests.length >= 30, `${requests.length} request cases`);
  const seen = new Set(
    requests.map((c: { expected: { verdict: string } }) => c.expected.verdict),
  );
  for (let v = 0; v <= Verdict.UNKNOWN_KEY; v++) {
    if (v === Verdict.BAD_FORMAT) continue; // legacy.json's
    assert.ok(seen.has(Verdict[v]), `no request vector for ${Verdict[v]}`);
  }
  assert.ok(
    legacy.some((c: { packetHex: string }) => c.packetHex.endsWith("0a")),
  );
});

Deno.test("vectors: the committed files are what generate.ts writes", async () => {
  // Frozen packets: a change in the library's framing shows up here.
  for (const [name, cases] of Object.entries(vectorFiles())) {
    assert.deepEqual(
      await load(name),
      JSON.parse(JSON.stringify(cases)),
      `${name} is stale: run deno run -A tests/vectors/generate.ts`,
    );
  }
});

Deno.test("vectors: derived keys match Web Crypto and hash-wasm PBKDF2", async () => {
  const seen = new Map<string, string>();
  for (const c of [...requests, ...replies]) {
    if (c.password === null) continue;
    if (!seen.has(c.password)) {
      const web = await webCryptoKey(c.password);
      const wasm = await pbkdf2({
        password: c.password,
        salt: "netsysrq v1 key",
        iterations: 100000,
        hashLength: 32,
        hashFunction: createSHA256(),
        outputType: "hex",
      });
      assert.equal(wasm, web, "hash-wasm and Web Crypto disagree");
      seen.set(c.password, web);
    }
    assert.equal(c.keyHex, seen.get(c.password), c.name);
  }
});

/** A label of docs/PROTOCOL.md, spelled out here: 15 ASCII bytes and NUL. */
const LABELS: Record<number, string> = {
  1: "netsysrq v2 req\0",
  2: "netsysrq v2 ack\0",
  3: "netsysrq v2 ref\0",
  4: "netsysrq v2 prb\0",
  5: "netsysrq v2 clk\0",
};

function serverState(s: VectorState): ServerState {
  return {
    bootId: unhex(s.bootIdHex),
    floor: BigInt(s.floor),
    lastAccepted: s.lastAcceptedHex === null ? null : unhex(s.lastAcceptedHex),
    lastStatuses: s.lastStatusHex === null
      ? null
      : [...unhex(s.lastStatusHex)] as KeyStatus[],
    lastAddress: s.lastAddressHex === null ? null : unhex(s.lastAddressHex),
    refusalTokens: s.refusalTokens,
  };
}

/** The server's keys of a case: the password's (id 0) and server keys. */
async function keySet(c: {
  keyHex: string | null;
  serverKeys: VectorServerKey[];
}): Promise<KeySet> {
  const entries: [number, MacKey][] = [];
  for (const k of c.serverKeys) {
    entries.push([
      parseKeyId(k.keyIdHex),
      await MacKey.fromBytes(unhex(k.keyHex)),
    ]);
  }
  return new KeySet({
    password: c.keyHex === null
      ? null
      : await MacKey.fromBytes(unhex(c.keyHex)),
    serverKeys: entries,
  });
}

/**
 * The key (hex) and address A (hex) a packet's key id names at the case's
 * server, or null when it names none: the password's key and the server's
 * address for id 0, the server key and zeros for any other.
 */
function macKeyOf(
  c: {
    keyHex: string | null;
    serverKeys: VectorServerKey[];
    addressHex: string;
  },
  packet: Uint8Array,
): [string, string] | null {
  const id = packet.length < 28 ? "00000000" : hex(packet.subarray(24, 28));
  if (id === "00000000") {
    return c.keyHex === null ? null : [c.keyHex, c.addressHex];
  }
  const k = c.serverKeys.find((k) => k.keyIdHex === id);
  return k === undefined ? null : [k.keyHex, "00".repeat(16)];
}

for (const c of requests) {
  Deno.test(`vectors: request: ${c.name}`, async () => {
    assert.equal(hex(encodeAddress(c.serverAddress)), c.addressHex);
    const set = await keySet(c);
    const packet = unhex(c.packetHex);
    const state = serverState(c.state);
    const info = parseInfoHex(c.infoHex);
    const result = verifyRequest(set, packet, {
      serverAddress: c.serverAddress,
      now: c.now,
      toleranceMs: c.toleranceMs,
      state,
      info,
    });
    const want = c.expected;
    assert.equal(Verdict[result.verdict], want.verdict);
    assert.equal(result.verdict, want.verdictCode);
    assert.equal(String(state.floor), want.floorAfter);
    assert.equal(
      state.lastAccepted === null ? null : hex(state.lastAccepted),
      want.lastAcceptedAfterHex,
    );
    assert.equal(
      state.lastAddress === null ? null : hex(state.lastAddress),
      want.lastAddressAfterHex,
    );
    assert.equal(state.refusalTokens, want.refusalTokensAfter);
    // The reply the server sends, as verifyRequest built it.
    assert.equal(
      result.reply === undefined ? null : hex(result.reply),
      want.replyHex,
    );

    // Independently of the core: valid tags are HMACs, bad ones are not.
    const macKey = macKeyOf(c, packet);
    if (macKey !== null && packet.length >= 16) {
      const label = LABELS[packet[5]] ?? LABELS[1];
      const tag = await webCryptoTag(
        macKey[0],
        label,
        macKey[1],
        bodyOf(packet),
      );
      const authentic = ["ACCEPTED", "REPEATED", "PROBE_ANSWERED"]
        .includes(want.verdict) || want.verdict.startsWith("REFUSED_");
      if (authentic) {
        assert.equal(tagOf(packet), tag, "request tag is not the HMAC");
      } else if (want.verdict === "BAD_MAC") {
        assert.notEqual(tagOf(packet), tag, "a BAD_MAC vector has a good tag");
      }
    }
    if (want.replyHex !== null) {
      const r = unhex(want.replyHex);
      assert.ok(macKey !== null, "a reply under no key");
      const tag = await webCryptoTag(
        macKey[0],
        LABELS[r[5]],
        macKey[1],
        bodyOf(r),
      );
      assert.equal(tagOf(r), tag, "reply tag is not the HMAC");
      // Replies echo the key id; an info probe's answer carries the facts.
      assert.equal(hex(r.subarray(24, 28)), hex(packet.subarray(24, 28)));
      if (r[5] === 5 && r[7] === 24) {
        assert.equal(hex(r.subarray(40, 64)), c.infoHex);
      }
    }
    if (want.verdict === "UNKNOWN_KEY") {
      assert.equal(macKey, null, "UNKNOWN_KEY for a key the server holds");
      assert.equal(result.keyId, undefined);
    }
  });
}

function parseInfoHex(infoHex: string) {
  const body = unhex(infoHex);
  return {
    version: [...body.subarray(0, 3)].join("."),
    capabilities: {
      noAck: (body[3] & 1) !== 0,
      legacy: (body[3] & 2) !== 0,
      output: (body[3] & 4) !== 0,
      safeReboot: (body[3] & 8) !== 0,
    },
    sysrq: (body[4] << 8) | body[5],
    toleranceSeconds: (body[6] << 8) | body[7],
    ruleKeys: [...Array(94).keys()]
      .filter((i) => body[8 + (i >> 3)] & (1 << (i & 7)))
      .map((i) => String.fromCharCode(0x21 + i)).join(""),
  };
}

Deno.test("vectors: infoHex spells the facts its comment says", () => {
  const info = parseInfoHex(requests[0].infoHex);
  assert.deepEqual(info, {
    version: "0.2.0",
    capabilities: {
      noAck: false,
      legacy: true,
      output: false,
      safeReboot: false,
    },
    sysrq: 438,
    toleranceSeconds: 60,
    ruleKeys: "bsu",
  });
  assert.equal(hex(encodeInfo(info)), requests[0].infoHex);
});

for (const c of replies) {
  Deno.test(`vectors: reply: ${c.name}`, async () => {
    const key = await MacKey.fromBytes(unhex(c.keyHex));
    const keyId = parseKeyId(c.request.keyIdHex);
    const request = c.request.probe
      ? {
        probe: true as const,
        keyId,
        nonce: unhex(c.request.nonceHex),
        info: c.request.info,
      }
      : {
        keys: c.request.keys,
        keyId,
        bootId: unhex(c.request.bootIdHex),
        timestamp: c.request.timestamp,
        nonce: unhex(c.request.nonceHex),
        ackWanted: c.request.ackWanted,
      };
    const packet = unhex(c.packetHex);
    const reply = verifyReply(key, packet, {
      serverAddress: c.serverAddress,
      request,
    });
    if (c.expected === null) {
      assert.equal(reply, null);
      return;
    }
    assert.ok(reply !== null, "a valid reply was rejected");
    const { nonce, bootId, ...rest } = reply;
    const extra = "info" in rest && rest.info !== undefined
      ? { infoHex: hex(encodeInfo(rest.info)) }
      : {};
    assert.deepEqual(
      { ...rest, bootIdHex: hex(bootId), ...extra },
      c.expected,
    );
    assert.equal(hex(nonce), c.request.nonceHex);
    const tag = await webCryptoTag(
      c.keyHex,
      LABELS[packet[5]],
      c.macAddressHex,
      bodyOf(packet),
    );
    assert.equal(tagOf(packet), tag, "reply tag is not the HMAC");
  });
}

/** The legacy digest by Web Crypto: H(text up to the 3rd comma, dst, pw). */
async function webCryptoLegacy(
  packet: Uint8Array,
  dst: string,
  password: string,
  hash: "sha1" | "sha256",
): Promise<string> {
  const text = new TextDecoder().decode(packet).replace(/\n$/, "");
  const prefix = text.slice(0, text.lastIndexOf(",") + 1);
  const input = encoder.encode(`${prefix}${dst},${password}`);
  const name = hash === "sha1" ? "SHA-1" : "SHA-256";
  return hex(new Uint8Array(await crypto.subtle.digest(name, input)));
}

/** %pI6: eight groups of four lowercase hex digits. */
function kernelText(address: string): string {
  if (!address.includes(":")) return address;
  const b = encodeAddress(address);
  return Array.from(
    { length: 8 },
    (_, i) => hex(b.subarray(2 * i, 2 * i + 2)),
  ).join(":");
}

for (const c of legacy) {
  Deno.test(`vectors: legacy: ${c.name}`, async () => {
    const packet = unhex(c.packetHex);
    const state = { ...c.state };
    const result = await verifyLegacyRequest(c.password, packet, {
      serverAddress: c.serverAddress,
      state,
    });
    assert.equal(Verdict[result.verdict], c.expected.verdict);
    assert.equal(result.verdict, c.expected.verdictCode);
    assert.equal(result.keys ?? null, c.expected.keys);
    assert.equal(state.lastSeqno, c.expected.lastSeqnoAfter);
    if (c.expected.verdict === "ACCEPTED" || c.expected.verdict === "BAD_MAC") {
      const want = await webCryptoLegacy(
        packet,
        kernelText(c.serverAddress),
        c.password,
        c.hash,
      );
      const got = new TextDecoder().decode(packet).trimEnd().split(",")[3];
      if (c.expected.verdict === "ACCEPTED") assert.equal(got, want);
      else assert.notEqual(got, want);
    }
  });
}

for (const c of keys) {
  Deno.test(`vectors: keys: ${c.name}`, async () => {
    const secret = unhex(c.adminSecretHex);
    if (c.password !== null) {
      assert.equal(
        hex(await adminSecretFromPassword(c.password)),
        c.adminSecretHex,
      );
    }
    assert.equal(formatKeyId(await keyIdOf(secret)), c.keyIdHex);
    if (c.identity === null) return;
    if (c.serverKeyHex === null) {
      await assert.rejects(serverKeyBytes(secret, c.identity), RangeError);
    } else {
      assert.equal(
        hex(await serverKeyBytes(secret, c.identity)),
        c.serverKeyHex,
      );
    }
  });
}
