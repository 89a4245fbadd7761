/**
 * The C constants (kernel/nsr_proto.h) and the WebAssembly core's
 * (core/assembly/proto.ts) are one table written twice; so are the enums of
 * mod.ts. This test parses both files and fails on any difference, in
 * either direction.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  KeyStatus,
  MAX_KEYS,
  PROTOCOL_VERSION,
  RefusalReason,
  Verdict,
} from "../../mod.ts";
import {
  KDF_ITERATIONS,
  KDF_SALT,
  KEY_LEN,
  PASSWORD_MAX,
} from "../../core/key.ts";
import { LEGACY_MAX_LEN } from "../../core/legacy.ts";
import { core, scratch } from "../../core/_wasm.ts";
import * as wire from "../../core/_wire.ts";

const ROOT = new URL("../../", import.meta.url);
const header = await Deno.readTextFile(new URL("kernel/nsr_proto.h", ROOT));
const proto = await Deno.readTextFile(
  new URL("core/assembly/proto.ts", ROOT),
);

/** `#define NSR_X value` lines: numbers, sums of earlier names, strings. */
function parseDefines(text: string): {
  numbers: Map<string, number>;
  strings: Map<string, string>;
} {
  const numbers = new Map<string, number>();
  const strings = new Map<string, string>();
  const re = /^#define[ \t]+NSR_(\w+)[ \t]+(.+?)[ \t]*(?:\/\*.*)?$/gm;
  for (const [, name, raw] of text.matchAll(re)) {
    const str = raw.match(/^"(.*)"$/);
    if (str) {
      strings.set(name, str[1]);
      continue;
    }
    // Expressions are sums of literals and earlier NSR_ names.
    const terms = raw.replace(/[()]/g, "").split("+").map((t) => t.trim());
    let value = 0;
    for (const term of terms) {
      const named = term.match(/^NSR_(\w+)$/);
      const v = named ? numbers.get(named[1]) : Number(term);
      assert.ok(v !== undefined && !Number.isNaN(v), `cannot read NSR_${name}`);
      value += v;
    }
    numbers.set(name, value);
  }
  return { numbers, strings };
}

/** `NAME = N,` entries of a C or TypeScript enum body. */
function parseEnum(
  text: string,
  open: RegExp,
  prefix = "",
): Map<string, number> {
  const start = text.search(open);
  assert.ok(start >= 0, `no enum matching ${open}`);
  const body = text.slice(start, text.indexOf("}", start));
  const out = new Map<string, number>();
  for (const [, name, value] of body.matchAll(/(\w+)\s*=\s*(\d+)/g)) {
    out.set(name.slice(prefix.length), Number(value));
  }
  return out;
}

const c = parseDefines(header);
const cVerdicts = parseEnum(header, /enum nsr_verdict \{/, "NSR_");
const ts = new Map<string, number>();
for (
  const [, name, value] of proto.matchAll(
    /^export const (\w+): \w+ = (0x[0-9a-f]+|\d+);/gm,
  )
) ts.set(name, Number(value));
const tsVerdicts = parseEnum(proto, /export enum Verdict \{/);

Deno.test("constants: every C #define number equals proto.ts's, both ways", () => {
  assert.ok(c.numbers.size > 40, `parsed only ${c.numbers.size} C defines`);
  for (const [name, value] of c.numbers) {
    assert.equal(ts.get(name), value, `NSR_${name}`);
  }
  for (const [name, value] of ts) {
    assert.equal(c.numbers.get(name), value, `proto.ts ${name} has no C twin`);
  }
});

Deno.test("constants: the verdict enum is the same in C, proto.ts and mod.ts", () => {
  assert.equal(cVerdicts.size, 18);
  assert.deepEqual([...tsVerdicts], [...cVerdicts]);
  for (const [name, value] of cVerdicts) {
    assert.equal(Verdict[name as keyof typeof Verdict], value, name);
  }
  assert.equal(Object.keys(Verdict).length, 2 * cVerdicts.size);
});

Deno.test("constants: mod.ts and the glue agree with the C header", () => {
  const n = c.numbers;
  assert.equal(PROTOCOL_VERSION, n.get("VERSION"));
  assert.equal(MAX_KEYS, n.get("MAX_KEYS"));
  assert.equal(KeyStatus.EXECUTED, n.get("STATUS_EXECUTED"));
  assert.equal(KeyStatus.REFUSED_BY_RULE, n.get("STATUS_REFUSED_RULE"));
  assert.equal(KeyStatus.REFUSED_BY_SYSCTL, n.get("STATUS_REFUSED_SYSCTL"));
  assert.equal(RefusalReason.STALE, n.get("REASON_STALE"));
  assert.equal(RefusalReason.FUTURE, n.get("REASON_FUTURE"));
  assert.equal(RefusalReason.REPLAY, n.get("REASON_REPLAY"));
  assert.equal(KDF_ITERATIONS, n.get("KDF_ITERATIONS"));
  assert.equal(KEY_LEN, n.get("KEY_LEN"));
  assert.equal(PASSWORD_MAX, n.get("PASSWORD_MAX"));
  assert.equal(LEGACY_MAX_LEN, n.get("LEGACY_MAX_LEN"));
  assert.equal(KDF_SALT, c.strings.get("KDF_SALT"));
  assert.equal(KDF_SALT.length, n.get("KDF_SALT_LEN"));
  assert.equal(wire.OFF_NONCE, n.get("OFF_NONCE"));
  assert.equal(wire.OFF_KEYS, n.get("OFF_KEYS"));
  assert.equal(wire.FLAG_ACK_WANTED, n.get("FLAG_ACK_WANTED"));
  assert.equal(wire.TYPE_ACK, n.get("TYPE_ACK"));
  assert.equal(wire.TYPE_REFUSAL, n.get("TYPE_REFUSAL"));
});

Deno.test("constants: the labels the WASM core writes are the C labels", () => {
  const label = () => new TextDecoder().decode(scratch().subarray(0, 16));
  scratch().set([0x73], core.messageOffset() + 32);
  assert.ok(core.encodeRequest(1, 1, 0) > 0);
  assert.equal(label(), c.strings.get("LABEL_REQUEST") + "\0");
  scratch().set([0], core.messageOffset() + 32);
  assert.ok(core.encodeAck(1, 0) > 0);
  assert.equal(label(), c.strings.get("LABEL_ACK") + "\0");
  assert.ok(core.encodeRefusal(1, 0) > 0);
  assert.equal(label(), c.strings.get("LABEL_REFUSAL") + "\0");
  assert.equal(c.numbers.get("LABEL_LEN"), 16);
});
