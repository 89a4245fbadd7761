/**
 * The wire format is one table written once per language: C
 * (kernel/nsr_proto.h), AssemblyScript (core/assembly/proto.ts) and
 * TypeScript (core/constants.ts). This test parses the C header and proves
 * that the other two agree with it: proto.ts in both directions, and every
 * export of core/constants.ts, failing on an export it does not check.
 *
 * @module
 */

import assert from "node:assert/strict";
import * as ts from "../../core/constants.ts";
import { Verdict } from "../../mod.ts";
import { core } from "../../core/_wasm.ts";

const ROOT = new URL("../../", import.meta.url);
const header = await Deno.readTextFile(new URL("kernel/nsr_proto.h", ROOT));
/** The output message's layout (kernel/nsr_output_msg.h, out of the verifier's header). */
const outputHeader = await Deno.readTextFile(
  new URL("kernel/nsr_output_msg.h", ROOT),
);
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
/** The C names constants.ts may twin: the verifier's, then the output's. */
const cAll = parseDefines(header + "\n" + outputHeader);
const cVerdicts = parseEnum(header, /enum nsr_verdict \{/, "NSR_");
const as = new Map<string, number>();
for (
  const [, name, value] of proto.matchAll(
    /^export const (\w+): \w+ = (0x[0-9a-f]+|\d+);/gm,
  )
) as.set(name, Number(value));
const asVerdicts = parseEnum(proto, /export enum Verdict \{/);

/** C names with this prefix spell the members of a TypeScript enum. */
const ENUM_PREFIXES: Record<string, [string, Record<string, string>]> = {
  KeyStatus: ["STATUS_", {
    EXECUTED: "EXECUTED",
    REFUSED_BY_RULE: "REFUSED_RULE",
    REFUSED_BY_SYSCTL: "REFUSED_SYSCTL",
  }],
  RefusalReason: ["REASON_", {
    STALE: "STALE",
    FUTURE: "FUTURE",
    REPLAY: "REPLAY",
    BOOT: "BOOT",
  }],
};

/** Numeric members of a TypeScript enum (without its reverse mapping). */
function members(e: object): [string, number][] {
  return Object.entries(e).filter(([, v]) => typeof v === "number");
}

/** The client's default port, as docs/PROTOCOL.md states it. */
async function documentedPort(): Promise<number> {
  const doc = await Deno.readTextFile(new URL("docs/PROTOCOL.md", ROOT));
  const m = doc.match(/client's default is \*\*UDP port (\d+)\*\*/);
  assert.ok(m, "docs/PROTOCOL.md no longer states the default port");
  return Number(m[1]);
}

Deno.test("constants: every C #define number equals proto.ts's, both ways", () => {
  assert.ok(c.numbers.size > 40, `parsed only ${c.numbers.size} C defines`);
  for (const [name, value] of c.numbers) {
    assert.equal(as.get(name), value, `NSR_${name}`);
  }
  // proto.ts's output flags are twins of kernel/nsr_output_msg.h's.
  for (const [name, value] of as) {
    assert.equal(
      cAll.numbers.get(name),
      value,
      `proto.ts ${name} has no C twin`,
    );
  }
});

Deno.test("constants: the verdict enum is the same in C, proto.ts and constants.ts", () => {
  assert.equal(cVerdicts.size, 23);
  assert.deepEqual([...asVerdicts], [...cVerdicts]);
  assert.deepEqual(members(Verdict), [...cVerdicts]);
});

Deno.test("constants: every export of core/constants.ts equals its C twin", async () => {
  const checked: string[] = [];
  for (const [name, value] of Object.entries(ts)) {
    checked.push(name);
    if (name === "Verdict") continue; // the test above
    if (name in ENUM_PREFIXES) {
      const [prefix, cNames] = ENUM_PREFIXES[name];
      const cMembers = [...c.numbers].filter(([n]) => n.startsWith(prefix));
      const mine = members(value as object);
      assert.equal(mine.length, cMembers.length, `${name}: member count`);
      for (const [member, v] of mine) {
        assert.equal(
          v,
          c.numbers.get(prefix + cNames[member]),
          `${name}.${member}`,
        );
      }
    } else if (name === "PROTOCOL_VERSION") {
      assert.equal(value, c.numbers.get("VERSION"), name);
    } else if (name === "DEFAULT_PORT") {
      assert.equal(value, await documentedPort(), name);
    } else if (typeof value === "string") {
      assert.equal(value, c.strings.get(name), name);
      assert.equal(
        value.length,
        c.numbers.get(`${name}_LEN`),
        `${name} length`,
      );
    } else {
      assert.ok(cAll.numbers.has(name), `constants.ts ${name} has no C twin`);
      assert.equal(value, cAll.numbers.get(name), name);
    }
  }
  // A sanity floor: the loop above really saw the table.
  assert.ok(checked.length >= 25, `checked only ${checked.length} exports`);
});

Deno.test("constants: the labels the WASM core writes are the C labels", () => {
  const scratch = () =>
    new Uint8Array(core.memory.buffer, core.scratch(), core.scratchLength());
  const label = () => new TextDecoder().decode(scratch().subarray(0, 16));
  scratch().set([0x73], core.messageOffset() + ts.OFF_KEYS);
  assert.ok(core.encodeRequest(1, 1, 0) > 0);
  assert.equal(label(), c.strings.get("LABEL_REQUEST") + "\0");
  assert.equal(core.encodeProbe(0), c.numbers.get("PROBE_LEN"));
  assert.equal(label(), c.strings.get("LABEL_PROBE") + "\0");
  // An info probe is the longest message.
  assert.equal(core.encodeProbe(1), c.numbers.get("MAX_MSG_LEN"));
  assert.equal(
    c.numbers.get("PROBE_LEN")! + c.numbers.get("INFO_LEN")!,
    c.numbers.get("MAX_MSG_LEN"),
  );
  scratch().set([0], core.messageOffset() + ts.OFF_KEYS);
  assert.ok(core.encodeAck(1, 0, 0) > 0);
  assert.equal(label(), c.strings.get("LABEL_ACK") + "\0");
  assert.equal(core.encodeRefusal(1, 0), c.numbers.get("REFUSAL_LEN"));
  assert.equal(label(), c.strings.get("LABEL_REFUSAL") + "\0");
  assert.equal(core.encodeClock(0, 0), c.numbers.get("CLOCK_LEN"));
  assert.equal(label(), c.strings.get("LABEL_CLOCK") + "\0");
  assert.equal(c.numbers.get("LABEL_LEN"), 16);
});
