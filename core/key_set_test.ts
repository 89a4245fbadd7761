import assert from "node:assert/strict";
import { KeySet, MacKey } from "../mod.ts";

const key = () => MacKey.fromBytes(crypto.getRandomValues(new Uint8Array(32)));
const ID = 0x8f3a01c2;

Deno.test("KeySet: find names one key by id; 0 is the password's", async () => {
  const password = await key();
  const a = await key();
  const b = await key();
  const keys = new KeySet({ password, serverKeys: [[ID, a], [0xffffffff, b]] });
  assert.equal(keys.find(0), password);
  assert.equal(keys.find(ID), a);
  assert.equal(keys.find(0xffffffff), b);
  assert.equal(keys.find(0x8f3a01c3), null);
  assert.deepEqual(keys.ids(), [ID, 0xffffffff]);
  assert.equal(keys.configured, true);
  keys.password = null;
  assert.equal(keys.find(0), null);
  assert.equal(new KeySet().configured, false);
});

Deno.test("KeySet: add and remove, with clear errors and nothing half done", async () => {
  const keys = new KeySet();
  const k = await key();
  for (let i = 0; i < 8; i++) keys.add(0x80000000 + i, k);
  assert.throws(() => keys.add(0x90000000, k), /8 server keys are installed/);
  assert.throws(() => keys.add(0x80000000, k), /80000000 is already installed/);
  assert.throws(() => keys.add(0x7fffffff, k), /80000000\.\.ffffffff/);
  assert.throws(() => keys.add(0, k), /password's/);
  assert.throws(() => keys.add(2 ** 32, k), RangeError);
  assert.throws(() => keys.add("80000009" as never, k), TypeError);
  assert.throws(() => keys.add(0x90000000, {} as MacKey), TypeError);
  assert.equal(keys.ids().length, 8);
  keys.remove(0x80000003);
  assert.throws(() => keys.remove(0x80000003), /no server key has id 80000003/);
  assert.equal(keys.find(0x80000003), null);
  keys.add(0x90000000, k);
  assert.equal(keys.ids().length, 8);
});

Deno.test("KeySet: replace is all or nothing", async () => {
  const k = await key();
  const keys = new KeySet({ serverKeys: [[ID, k]] });
  const nine = Array.from(
    { length: 9 },
    (_, i) => [0xa0000000 + i, k] as [number, MacKey],
  );
  assert.throws(() => keys.replace(nine), /9 server keys given; the most is 8/);
  assert.throws(
    () => keys.replace([[0xa0000000, k], [0xa0000000, k]]),
    /twice/,
  );
  assert.throws(() => keys.replace([[0xa0000000, k], [5, k]]), RangeError);
  assert.throws(() => keys.replace([[0xa0000000]] as never), TypeError);
  assert.deepEqual(keys.ids(), [ID], "a failed replace changed the set");
  keys.replace([]);
  assert.deepEqual(keys.ids(), []);
  assert.throws(() => new KeySet(null as never), TypeError);
  assert.throws(() => new KeySet({ password: "pw" as never }), TypeError);
});
