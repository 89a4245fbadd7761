/**
 * The C verifier (kernel/nsr_verify.c, kernel/nsr_legacy.c), built against
 * OpenSSL by tests/c/Makefile, must give every shared vector in
 * tests/vectors/ the expected verdict, state after and reply bytes: the same
 * contract the WASM core passes. Needs make, a C compiler and libssl-dev.
 *
 * @module
 */
import assert from "node:assert/strict";
import { make, runLines, VECTORS_DIR, verdictCodes } from "./_harness.ts";
import { hex } from "../../core/hex.ts";
import type {
  LegacyCase,
  ReplyCase,
  RequestCase,
  VectorKeys,
} from "../vectors/types.ts";

const encoder = new TextEncoder();
/** The runner's spelling of an empty byte string. */
const orDash = (s: string | null) => (s ? s.toLowerCase() : "-");

/** The kernel's text form of a destination (%pI4, or %pI6: no "::"). */
export function kernelAddressText(address: string): string {
  if (!address.includes(":")) return address;
  const [head, tail] = address.includes("::")
    ? address.split("::")
    : [address, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined
    ? left
    : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  assert.equal(groups.length, 8, `not an IPv6 address: ${address}`);
  return groups.map((g) => g.toLowerCase().padStart(4, "0")).join(":");
}

const PASSWORD_KEY_ID = "00000000";

/**
 * The runner's key set: the password's key under id 0 (the password,
 * derived in C, else the derived key), then every server key; "-" when
 * the server holds none.
 */
function keySpec(c: VectorKeys): string {
  const specs = [];
  if (c.password !== null) {
    specs.push(`${PASSWORD_KEY_ID}=p:${hex(encoder.encode(c.password))}`);
  } else if (c.keyHex !== null) {
    specs.push(`${PASSWORD_KEY_ID}=k:${c.keyHex}`);
  }
  for (const k of c.serverKeys ?? []) {
    specs.push(`${k.keyIdHex.toLowerCase()}=k:${k.keyHex.toLowerCase()}`);
  }
  return specs.length ? specs.join(",") : "-";
}

/** A reply's key: the one its request named, under that id. */
function replyKeySpec(c: ReplyCase): string {
  const id = (c.request.keyIdHex ?? PASSWORD_KEY_ID).toLowerCase();
  if (id === PASSWORD_KEY_ID) return keySpec(c);
  return `${id}=k:${c.keyHex!.toLowerCase()}`;
}

function requestLine(c: RequestCase): string {
  return [
    "R",
    keySpec(c),
    c.addressHex,
    c.now,
    c.toleranceMs,
    c.state.bootIdHex,
    c.state.floor,
    orDash(c.state.lastAcceptedHex),
    orDash(c.state.lastStatusHex),
    orDash(c.state.lastAddressHex),
    c.state.refusalTokens,
    orDash(c.packetHex),
    orDash(c.infoHex ?? null),
  ].join(" ");
}

function legacyLine(c: LegacyCase): string {
  const password = c.password ? hex(encoder.encode(c.password)) : "-";
  return [
    "L",
    password,
    kernelAddressText(c.serverAddress),
    c.state.lastSeqno,
    orDash(c.packetHex),
  ].join(" ");
}

/** The server builds valid replies only: the cases with an expectation. */
function replyLine(c: ReplyCase): string {
  const e = c.expected!;
  const head = [
    replyKeySpec(c),
    (c.request.keyIdHex ?? PASSWORD_KEY_ID).toLowerCase(),
    c.macAddressHex ?? c.addressHex,
    e.bootIdHex,
  ];
  const nonce = c.request.nonceHex;
  switch (e.type) {
    case "ack":
      return [
        "A",
        ...head,
        e.timestamp,
        nonce,
        hex(new Uint8Array(e.statuses)),
        e.repeat ? 1 : 0,
      ].join(" ");
    case "refusal":
      return ["F", ...head, e.serverTime, nonce, e.reason].join(" ");
    case "clock":
      return ["C", ...head, e.serverTime, nonce, orDash(e.infoHex ?? null)]
        .join(" ");
  }
}

async function loadCases<T>(file: string): Promise<T[]> {
  const path = `${VECTORS_DIR}${file}`;
  const text = await Deno.readTextFile(path).catch(() => {
    throw new Error(`${path} is missing: the shared vectors are the contract`);
  });
  const cases = (JSON.parse(text) as { cases: T[] }).cases;
  assert.ok(cases.length > 0, `${path} has no cases`);
  return cases;
}

Deno.test("C verifier: every request vector", async (t) => {
  await make("runner");
  const codes = await verdictCodes();
  const cases = await loadCases<RequestCase>("requests.json");
  const out = await runLines("vector_runner", cases.map(requestLine));
  for (const [i, c] of cases.entries()) {
    await t.step(c.name, () => {
      const [verdict, floor, tokens, last, lastAddress, reply] = out[i]
        .split(" ");
      const e = c.expected;
      assert.equal(codes.get(e.verdict), e.verdictCode, "verdict name");
      assert.equal(Number(verdict), e.verdictCode, "verdict");
      assert.equal(floor, e.floorAfter, "floor after");
      assert.equal(Number(tokens), e.refusalTokensAfter, "tokens after");
      assert.equal(last, orDash(e.lastAcceptedAfterHex), "last after");
      assert.equal(
        lastAddress,
        orDash(e.lastAddressAfterHex),
        "last address after",
      );
      assert.equal(reply, orDash(e.replyHex), "reply");
    });
  }
});

Deno.test("C verifier: every legacy vector", async (t) => {
  await make("runner");
  const codes = await verdictCodes();
  const cases = await loadCases<LegacyCase>("legacy.json");
  const out = await runLines("vector_runner", cases.map(legacyLine));
  for (const [i, c] of cases.entries()) {
    await t.step(c.name, () => {
      const [verdict, last, keys] = out[i].split(" ");
      const e = c.expected;
      const wantKeys = e.keys ? hex(encoder.encode(e.keys)) : "-";
      assert.equal(codes.get(e.verdict), e.verdictCode, "verdict name");
      assert.equal(Number(verdict), e.verdictCode, "verdict");
      assert.equal(BigInt(last), BigInt(e.lastSeqnoAfter), "seqno after");
      assert.equal(keys, wantKeys, "keys");
    });
  }
});

Deno.test("C verifier: builds every valid reply vector", async (t) => {
  await make("runner");
  const cases = (await loadCases<ReplyCase>("replies.json"))
    .filter((c) => c.expected !== null);
  assert.ok(cases.length > 0, "replies.json has valid replies");
  const out = await runLines("vector_runner", cases.map(replyLine));
  for (const [i, c] of cases.entries()) {
    await t.step(c.name, () => {
      assert.equal(out[i], c.packetHex.toLowerCase());
    });
  }
});

Deno.test("kernelAddressText writes %pI6 without compression", () => {
  assert.equal(kernelAddressText("192.0.2.7"), "192.0.2.7");
  assert.equal(
    kernelAddressText("2001:DB8::7"),
    "2001:0db8:0000:0000:0000:0000:0000:0007",
  );
  assert.equal(
    kernelAddressText("::1"),
    "0000:0000:0000:0000:0000:0000:0000:0001",
  );
});
