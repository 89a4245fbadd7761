import assert from "node:assert/strict";
import { encodeInfo, parseInfo, type ServerInfo } from "../mod.ts";
import { hex } from "./hex.ts";

const INFO: ServerInfo = {
  version: "255.0.17",
  capabilities: { noAck: true, legacy: false, output: true, safeReboot: true },
  sysrq: 0xffff,
  toleranceSeconds: 0,
  ruleKeys: "!b~",
};

Deno.test("info: the 24 bytes, field by field", () => {
  const body = encodeInfo(INFO);
  // version ff 00 11; caps 0d; sysrq ffff; tolerance 0000; bitmap: '!' bit 0,
  // 'b' bit 65 (byte 8, 02), '~' bit 93 (byte 11, 20); reserved 00000000.
  assert.equal(
    hex(body),
    "ff0011" + "0d" + "ffff" + "0000" + "01" + "00".repeat(7) + "02" + "00" +
      "00" + "20" + "00000000",
  );
  assert.deepEqual(parseInfo(body), INFO);
});

Deno.test("info: every key round-trips, in byte order, duplicates merged", () => {
  const all = String.fromCharCode(
    ...Array.from({ length: 94 }, (_, i) => 0x21 + i),
  );
  const info = { ...INFO, ruleKeys: [...all].reverse().join("") + "bb" };
  assert.equal(parseInfo(encodeInfo(info)).ruleKeys, all);
  assert.equal(parseInfo(encodeInfo({ ...INFO, ruleKeys: "" })).ruleKeys, "");
});

Deno.test("info: unknown bits a newer server may set are ignored", () => {
  const body = encodeInfo(INFO);
  body[3] |= 0xf0; // capability bits 4..7
  body[19] |= 0xc0; // the bitmap's last two bits (no key)
  body.fill(0xff, 20); // reserved
  assert.deepEqual(parseInfo(body), INFO);
});

Deno.test("info: bad input is refused, naming the field", () => {
  const bad: [Partial<Record<keyof ServerInfo, unknown>>, RegExp][] = [
    [{ version: "1.2" }, /major\.minor\.patch/],
    [{ version: "1.2.256" }, /each 0\.\.255/],
    [{ version: "1.2.3-rc1" }, /major\.minor\.patch/],
    [{ version: 1 }, /info\.version must be a string/],
    [{ sysrq: 65536 }, /info\.sysrq must be an integer 0\.\.65535/],
    [{ sysrq: -1 }, /info\.sysrq/],
    [{ toleranceSeconds: 1.5 }, /info\.toleranceSeconds/],
    [{ toleranceSeconds: "60" }, /info\.toleranceSeconds must be a number/],
    [{ ruleKeys: "a b" }, /info\.ruleKeys\[1\]/],
    [{ ruleKeys: "é" }, /not a SysRq key/],
    [{ capabilities: null }, /info\.capabilities must be an object/],
    [
      { capabilities: { ...INFO.capabilities, output: 1 } },
      /capabilities\.output must be a boolean/,
    ],
  ];
  for (const [change, message] of bad) {
    assert.throws(
      () => encodeInfo({ ...INFO, ...change } as ServerInfo),
      message,
      JSON.stringify(change),
    );
  }
  assert.throws(() => encodeInfo(null as never), TypeError);
  assert.throws(() => parseInfo(new Uint8Array(25)), /24 bytes, got 25/);
  assert.throws(() => parseInfo([0] as never), TypeError);
});
