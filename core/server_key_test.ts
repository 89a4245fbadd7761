import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import {
  adminSecretFromPassword,
  createProbe,
  createRequest,
  createServerState,
  formatKeyId,
  keyIdOf,
  KeySet,
  MacKey,
  normalizeIdentity,
  parseKeyId,
  serverKey,
  serverKeyBytes,
  Verdict,
  verifyRequest,
} from "../mod.ts";
import { hex } from "./hex.ts";
import {
  ADMIN_SECRET_LEN,
  ADMIN_SECRET_SALT,
  ARGON2_ITERATIONS,
  ARGON2_MEMORY_KIB,
  ARGON2_PARALLELISM,
  ServerKeyMaker,
} from "./server_key.ts";
import { MAX_SERVER_KEYS } from "./key_set.ts";

/** A fresh random admin secret: test keys are generated, never written. */
const secret = () => crypto.getRandomValues(new Uint8Array(32));

/** HMAC-SHA256 by node:crypto: a third implementation beside Web Crypto. */
const nodeHmac = (key: Uint8Array, data: Uint8Array) =>
  new Uint8Array(createHmac("sha256", key).update(data).digest());

Deno.test("keyIdOf: the first 4 bytes of the kid HMAC, top bit set", async () => {
  for (let i = 0; i < 20; i++) {
    const m = secret();
    const mac = nodeHmac(m, new TextEncoder().encode("netsysrq v2 kid\0"));
    const want = (new DataView(mac.buffer).getUint32(0) | 0x80000000) >>> 0;
    assert.equal(await keyIdOf(m), want);
  }
});

Deno.test("keyIdOf: bad admin secrets are refused", async () => {
  await assert.rejects(keyIdOf(new Uint8Array(31)), /32 bytes, got 31/);
  await assert.rejects(keyIdOf(new Uint8Array(33)), RangeError);
  await assert.rejects(keyIdOf(new Uint8Array(0)), RangeError);
  await assert.rejects(keyIdOf("secret" as never), TypeError);
  await assert.rejects(keyIdOf([1, 2] as never), TypeError);
});

Deno.test("serverKeyBytes: HMAC(M, srv label || lowercased identity)", async () => {
  const m = secret();
  const want = (identity: string) =>
    hex(nodeHmac(m, new TextEncoder().encode("netsysrq v2 srv\0" + identity)));
  assert.equal(hex(await serverKeyBytes(m, "web1")), want("web1"));
  assert.equal(
    hex(await serverKeyBytes(m, "Web1.EXAMPLE")),
    want("web1.example"),
  );
  // Only ASCII letters are folded: "Ä" stays.
  assert.equal(hex(await serverKeyBytes(m, "ÄB")), want("Äb"));
  assert.notEqual(hex(await serverKeyBytes(m, "ÄB")), want("äb"));
  // The caller's secret is left as it was (the copy is wiped, not the input).
  const copy = m.slice();
  await serverKeyBytes(m, "web1");
  assert.deepEqual(m, copy);
});

Deno.test("serverKey: every server and every secret gives another key", async () => {
  const m = secret();
  const seen = new Set<string>();
  for (const name of ["web1", "web2", "web1.example.com", "web1#2", "db1"]) {
    seen.add(hex(await serverKeyBytes(m, name)));
  }
  seen.add(hex(await serverKeyBytes(secret(), "web1")));
  assert.equal(seen.size, 6);
});

Deno.test("ServerKeyMaker: the bytes of serverKeyBytes, on one shared hasher", async () => {
  const m = secret();
  const copy = m.slice();
  const maker = await ServerKeyMaker.of(m);
  // The caller's secret is left as it was.
  assert.deepEqual(m, copy);
  const other = await ServerKeyMaker.of(secret());
  const want = (identity: string) =>
    hex(nodeHmac(m, new TextEncoder().encode("netsysrq v2 srv\0" + identity)));
  // Interleaved with another maker's keys and with packets MAC'd under the
  // keys made: every HMAC runs on the one hasher, which each use restarts.
  const keys = [];
  for (const name of ["web1", "Web1.EXAMPLE", "ÄB", "db1", "x".repeat(255)]) {
    other.keyBytes(name);
    const bytes = maker.keyBytes(name);
    assert.equal(hex(bytes), want(normalizeIdentity(name)));
    assert.equal(hex(bytes), hex(await serverKeyBytes(m, name)));
    keys.push([await maker.key(name), await serverKey(m, name)]);
  }
  const probe = { serverAddress: "10.0.0.4", nonce: new Uint8Array(12) };
  for (const [made, reference] of keys) {
    assert.deepEqual(
      createProbe(made, { ...probe, keyId: 0x80000001 }),
      createProbe(reference, { ...probe, keyId: 0x80000001 }),
    );
  }
  assert.throws(() => maker.keyBytes("web 1"), /white space/);
  assert.throws(() => maker.keyBytes(""), /empty/);
  await assert.rejects(ServerKeyMaker.of(new Uint8Array(16)), RangeError);
});

Deno.test("normalizeIdentity: the rules, each with its message", () => {
  const bad: [unknown, RegExp | ErrorConstructor][] = [
    ["", /empty/],
    ["web 1", /white space/],
    ["web\u00a01", /white space/], // a no-break space looks like none
    ["web\u20281", /control character|white space/],
    ["web\t1", /control character/],
    ["web1\n", /control character \(U\+000A\)/],
    ["web\x001", /U\+0000/],
    ["web\x7f1", /U\+007F/],
    ["web\x851", /U\+0085/],
    ["web\ud8001", /lone surrogate/],
    ["a".repeat(256), /256 bytes of UTF-8; the most is 255/],
    ["é".repeat(128), /256 bytes/],
    [undefined, TypeError],
    [42, TypeError],
  ];
  for (const [identity, error] of bad) {
    assert.throws(
      () => normalizeIdentity(identity as string),
      error as RegExp,
      JSON.stringify(identity),
    );
  }
  assert.equal(normalizeIdentity("a".repeat(255)), "a".repeat(255));
  assert.equal(normalizeIdentity("é".repeat(127) + "A"), "é".repeat(127) + "a");
  assert.equal(normalizeIdentity("WEB-1_x.y:9#2"), "web-1_x.y:9#2");
});

Deno.test("adminSecretFromPassword: Argon2id, the password rules", async () => {
  // The value itself is checked against the reference argon2 in keys.json.
  const a = await adminSecretFromPassword("vector-admin-password");
  assert.equal(
    hex(a),
    "832e40f1e0b9d3cbd7a021b21e60a74d22159ac4b087110b9972a1428f72b372",
  );
  await assert.rejects(adminSecretFromPassword(""), /empty/);
  await assert.rejects(adminSecretFromPassword("x".repeat(129)), /most is 128/);
  await assert.rejects(adminSecretFromPassword("a\nb"), /NUL, CR or LF/);
  await assert.rejects(adminSecretFromPassword(7 as never), TypeError);
});

Deno.test("formatKeyId and parseKeyId: 8 hex digits, 0 or top bit set", () => {
  assert.equal(formatKeyId(0xffffffff), "ffffffff");
  assert.equal(formatKeyId(0x80000000), "80000000");
  assert.equal(parseKeyId("80000000"), 0x80000000);
  assert.equal(parseKeyId("00000000"), 0);
  for (const id of [1, 0x7fffffff, 2 ** 32, -1, 1.5, NaN]) {
    assert.throws(() => formatKeyId(id), RangeError, String(id));
  }
  assert.throws(() => formatKeyId("8f3a01c2" as never), TypeError);
  for (
    const text of [
      "",
      "8f3a01c",
      "8f3a01c2a",
      "0x8f3a01",
      "8f3a01g2",
      " 8f3a01c",
    ]
  ) {
    assert.throws(() => parseKeyId(text), /8 hex digits/, text);
  }
  assert.throws(() => parseKeyId("00000001"), /80000000\.\.ffffffff/);
  assert.throws(() => parseKeyId(5 as never), TypeError);
});

// The attacks of issue 14, played against the verifier with derived keys.

const NOW = 1700000000000;
const ADDRESS = "10.0.0.4";

async function fleet() {
  const m = secret();
  const keyId = await keyIdOf(m);
  return {
    m,
    keyId,
    web1: await serverKey(m, "web1"),
    web2: await serverKey(m, "web2"),
  };
}

const BOOT = new Uint8Array(8).fill(0xb0);

/** The verdict of a fresh server state with boot id BOOT. */
function judge(keys: KeySet, packet: Uint8Array, address = ADDRESS) {
  const state = { ...createServerState(), bootId: BOOT };
  return verifyRequest(keys, packet, {
    serverAddress: address,
    now: NOW,
    toleranceMs: 60000,
    state,
  }).verdict;
}

Deno.test("attack: web1's request at web2, both at 10.0.0.4: refused", async () => {
  const { keyId, web1, web2 } = await fleet();
  const state = createServerState();
  const options = {
    serverAddress: ADDRESS,
    now: NOW,
    toleranceMs: 60000,
    state,
  };
  const packet = createRequest(web1, {
    keys: "b",
    keyId,
    bootId: state.bootId,
    timestamp: NOW,
  });
  const atWeb2 = new KeySet({ serverKeys: [[keyId, web2]] });
  assert.equal(verifyRequest(atWeb2, packet, options).verdict, Verdict.BAD_MAC);
  assert.equal(state.floor, 0n, "a refused packet changes nothing");
  const atWeb1 = new KeySet({ serverKeys: [[keyId, web1]] });
  assert.equal(
    verifyRequest(atWeb1, packet, options).verdict,
    Verdict.ACCEPTED,
  );
});

Deno.test("attack: web2's key, read off web2, makes nothing web1 accepts", async () => {
  const { keyId, web1, web2 } = await fleet();
  const atWeb1 = new KeySet({ serverKeys: [[keyId, web1]] });
  const forged = createRequest(web2, {
    keys: "b",
    keyId,
    bootId: BOOT,
    timestamp: NOW,
  });
  assert.equal(judge(atWeb1, forged), Verdict.BAD_MAC);
});

Deno.test("attack: a wrong or removed key id is UNKNOWN_KEY, never another key", async () => {
  const old = await fleet();
  const next = await fleet();
  const keys = new KeySet({
    serverKeys: [[old.keyId, old.web1], [next.keyId, next.web1]],
  });
  const oldPacket = createRequest(old.web1, {
    keys: "b",
    keyId: old.keyId,
    bootId: BOOT,
    timestamp: NOW,
  });
  assert.equal(judge(keys, oldPacket), Verdict.ACCEPTED);
  // A key id that exists, with the wrong key (the other one installed):
  // one MAC under the key the id names, never a search among the keys.
  const wrong = createRequest(old.web1, {
    keys: "b",
    keyId: next.keyId,
    bootId: BOOT,
    timestamp: NOW,
  });
  assert.equal(judge(keys, wrong), Verdict.BAD_MAC);
  keys.remove(old.keyId);
  assert.equal(judge(keys, oldPacket), Verdict.UNKNOWN_KEY);
  // The removed key's packet relabelled with the installed id.
  const relabelled = oldPacket.slice();
  new DataView(relabelled.buffer).setUint32(24, next.keyId);
  assert.equal(judge(keys, relabelled), Verdict.BAD_MAC);
  // The password's id at a server without a password.
  const password = await MacKey.fromBytes(secret());
  const byPassword = createRequest(password, {
    keys: "b",
    serverAddress: ADDRESS,
    bootId: BOOT,
    timestamp: NOW,
  });
  assert.equal(judge(keys, byPassword), Verdict.UNKNOWN_KEY);
  keys.password = password;
  assert.equal(judge(keys, byPassword), Verdict.ACCEPTED);
});

Deno.test("server key: the address is out of the MAC (NAT, cloud, moves)", async () => {
  const { keyId, web1 } = await fleet();
  const keys = new KeySet({ serverKeys: [[keyId, web1]] });
  const packet = createRequest(web1, {
    keys: "s",
    keyId,
    serverAddress: "203.0.113.9", // what the client dialled: not in the MAC
    bootId: BOOT,
    timestamp: NOW,
  });
  for (
    const address of ["10.0.0.4", "192.168.1.2", "2001:db8::1", "127.0.0.1"]
  ) {
    assert.equal(judge(keys, packet, address), Verdict.ACCEPTED, address);
  }
});

Deno.test("the derivation's parameters are the ones docs/PROTOCOL.md states", async () => {
  const doc = await Deno.readTextFile(
    new URL("../docs/PROTOCOL.md", import.meta.url),
  );
  const m = doc.match(
    /Argon2id\(password, salt = "([^"]+)", m = (\d+) KiB, t = (\d+), p = (\d+), (\d+) bytes\)/,
  );
  assert.ok(m, "docs/PROTOCOL.md no longer states the Argon2id parameters");
  assert.deepEqual(m.slice(1), [
    ADMIN_SECRET_SALT,
    String(ARGON2_MEMORY_KIB),
    String(ARGON2_ITERATIONS),
    String(ARGON2_PARALLELISM),
    String(ADMIN_SECRET_LEN),
  ]);
  assert.match(doc, /HMAC-SHA256\(M, "netsysrq v2 kid" ‖ 00\)/);
  assert.match(doc, /HMAC-SHA256\(M, "netsysrq v2 srv" ‖ 00 ‖ identity\)/);
  assert.ok(doc.includes(`(up to ${MAX_SERVER_KEYS})`), "server keys' limit");
});
