/**
 * The shared vectors (tests/vectors/requests.json, legacy.json) replayed
 * against the real xt_SYSRQ in one QEMU guest: for each case the module is
 * put in the case's state (guest clock set to lastAccepted or lastSeqno at
 * load, the password, the refusal bucket drained to the case's tokens),
 * the clock set to the case's `now`, the packet sent to the case's server
 * address (added to the guest, routed over the tap link), and the kernel's
 * verdict read from /proc/net/xt_SYSRQ; the reply must equal
 * expected.replyHex byte for byte, and an accepted request's keys must show
 * in the key counters. Cases a live clock cannot reproduce are skipped with
 * their reason printed. kernel.sysrq is 1; the rule refuses 'b', 'c' and
 * 'o' (their ack status is then 01) except for one 16-key request run last,
 * whose 'b' ends the guest after its exact ack. Needs root (tap network in
 * a netns). One boot, about 40 s.
 *
 * @module
 */

import assert from "node:assert";
import { createAck, createRefusal, createRequest, MacKey } from "../../mod.ts";
import { type Counters, counters, delta, VERDICTS } from "./_packets.ts";
import {
  CLOCK_SLACK_MS,
  FATAL_KEYS,
  LEGACY_MAX_LEN,
  type LegacyCase,
  type Load,
  mayTakeToken,
  NetnsSender,
  plan,
  REFUSAL_TOKENS,
  type RequestCase,
  safeKeySet,
  type Skip,
  type Step,
  timestampOf,
  V1_MAX_LEN,
} from "./_vectors.ts";
import { fromHex, toHex } from "./udp.ts";
import { delay, isRoot, run } from "./_util.ts";
import { Vm } from "./vm.ts";
import { shellQuote } from "./control_channel.ts";

const encoder = new TextEncoder();
const VECTORS = new URL("../vectors/", import.meta.url);
/** Run last with every key allowed: its 'b' ends the guest after the ack. */
const EXACT_LAST = "valid: IPv4, 16 keys including '!' and '~'";
/** Events that count a packet dropped before the verifier. */
const DROPS = ["oversize", "malformed_udp", "fragment", "not_unicast"];
/** Verdicts of the rungs before any time check or hash (docs/PROTOCOL.md). */
const FRAMING = [
  "NO_PASSWORD",
  "TRUNCATED",
  "BAD_MAGIC",
  "BAD_VERSION",
  "BAD_TYPE",
  "BAD_KEY_COUNT",
  "BAD_LENGTH",
  "BAD_FORMAT",
];
/** The refill period is 200 ms; a second of quiet refills and re-phases. */
const QUIET_MS = 1_300;

if (!isRoot()) {
  console.log(
    "vectors_test.ts: needs root (ip netns, tap device); run as root",
  );
}

async function readCases<T>(file: string): Promise<T[]> {
  return JSON.parse(await Deno.readTextFile(new URL(file, VECTORS))).cases;
}

/** The replayer: one guest, its module state, and what went wrong. */
class Replay {
  failures: string[] = [];
  notes = new Set<string>();
  checked = { v1: 0, legacy: 0 };
  #load?: string;
  #loadedAt = 0;
  #lastPacketAt = 0;
  #lastSpendAt = 0;
  #tokens = 0;
  #before: Counters = {};

  constructor(readonly vm: Vm, readonly sender: NetnsSender) {}

  /** Reloads the module in `load`'s state unless it is in it already. */
  async ensure(load: Load, allKeys: boolean, fresh: boolean): Promise<void> {
    const id = JSON.stringify({ load, allKeys });
    if (id === this.#load && !fresh) return;
    const opts = [
      ...(load.legacy ? ["--sysrq-legacy"] : []),
      ...(allKeys ? [] : ["--sysrq-keys", safeKeySet()]),
    ].map(shellQuote).join(" ");
    const setPassword = load.password === null
      ? "true"
      : `printf '%s' ${shellQuote(load.password)} ` +
        ">/sys/module/xt_SYSRQ/parameters/passwd";
    const started = performance.now();
    const out = await this.vm.must(
      [
        "{ iptables-legacy -F INPUT; ip6tables-legacy -F INPUT; }",
        "{ [ ! -d /sys/module/xt_SYSRQ ] || rmmod xt_SYSRQ; }",
        `date -u -s @${load.clockS} >/dev/null`,
        `NSR_PASSWORD= nsr load tolerance=${load.toleranceS} >/dev/null`,
        "date +%s",
        setPassword,
        `nsr rule legacy 4 ${opts} >/dev/null`,
        `nsr rule legacy 6 ${opts} >/dev/null`,
      ].join(" && "),
      60_000,
    );
    // The module read the clock between `date -s` and `date +%s`.
    const loadedS = Number(out.trim().split("\n").at(-1));
    const ranOn = (loadedS - load.clockS) * 1000;
    if (ranOn < 0 || (load.legacy ? ranOn !== 0 : ranOn >= CLOCK_SLACK_MS)) {
      throw new Error(`module load read the clock ${ranOn} ms late`);
    }
    this.#load = id;
    this.#loadedAt = performance.now();
    this.#tokens = REFUSAL_TOKENS;
    this.#before = await counters(this.vm);
    this.loadMs.push(Math.round(this.#loadedAt - started));
  }

  /**
   * Sets the guest's clock to `seconds`. busybox date exits 0 even when
   * the kernel refuses the time, so read the clock back.
   */
  async setClock(seconds: number): Promise<void> {
    const out = await this.vm.must(
      `date -u -s @${seconds} >/dev/null; date +%s`,
    );
    const got = Number(out.trim().split("\n").at(-1));
    if (got - seconds < 0 || got - seconds > 1) {
      throw new Error(`guest clock is ${got}, not ${seconds}: set refused?`);
    }
  }

  loadMs: number[] = [];
  /** Time spent letting the refusal bucket refill. */
  waitedMs = 0;

  async step(s: Step): Promise<void> {
    const allKeys = s.kind === "v1" && s.last === true;
    await this.ensure(s.load, allKeys, s.fresh);
    if (s.kind === "v1") await this.#v1(s.c, s.drain, allKeys);
    else await this.#legacy(s.c);
  }

  fail(name: string, what: string): void {
    this.failures.push(`${name}: ${what}`);
    console.log(`  FAIL ${name}: ${what}`);
  }

  async #v1(c: RequestCase, drain: number, last: boolean): Promise<void> {
    const spends = drain > 0 || mayTakeToken(c);
    await this.#bucketFor(drain, spends);
    const key = await MacKey.fromBytes(fromHex(c.keyHex ?? "00".repeat(32)));
    const drains = Array.from({ length: drain }, () => stale(key, c));
    const packet = fromHex(c.packetHex);
    const set = performance.now();
    await this.setClock(Math.floor(c.now / 1000));
    await this.sender.send(c.serverAddress, [...drains, packet]);
    const want = c.expected.replyHex ? 1 : 0;
    if (last) {
      // 'b' reboots the guest right after the ack: no counters to read.
      const replies = await this.sender.collect(want, 10_000, 200);
      this.#compareReply(c, replies, key, true);
      if (!(await this.vm.waitExit(30_000))) {
        this.fail(c.name, "the guest did not reboot on its 'b'");
      } else {
        console.log(`  "${c.name}": ack checked, then 'b' rebooted the guest`);
      }
      this.checked.v1++;
      return;
    }
    const after = await this.#settle(drain + 1);
    const judgedMs = performance.now() - set;
    const replies = await this.sender.collect(want, 3_000, 150);
    this.#lastPacketAt = performance.now();
    if (spends) this.#lastSpendAt = this.#lastPacketAt;
    this.#tokens -= drain + (mayTakeToken(c) ? 1 : 0);
    if (judgedMs >= CLOCK_SLACK_MS) {
      throw new Error(`${c.name}: judged ${judgedMs} ms after the clock set`);
    }
    const verdict = this.#kernelName(
      c.name,
      c.expected.verdict,
      packet,
      V1_MAX_LEN,
    );
    // The drain packets are authenticated and stale: REFUSED_STALE each.
    const counted: Counters = { [verdict]: 1 };
    if (drain) counted.refused_stale = (counted.refused_stale ?? 0) + drain;
    this.#compareVerdicts(c.name, delta(this.#before, after), counted);
    if (verdict === "accepted") {
      const n = packet[7];
      this.#compareKeys(c.name, after, packet.subarray(32, 32 + n));
    }
    this.#before = after;
    this.#compareReply(c, replies, key, false);
    this.checked.v1++;
  }

  async #legacy(c: LegacyCase): Promise<void> {
    const packet = fromHex(c.packetHex);
    const mark = this.vm.mark();
    await this.sender.send(c.serverAddress, [packet]);
    const after = await this.#settle(1);
    const replies = await this.sender.collect(0, 0, 150);
    const verdict = this.#kernelName(
      c.name,
      c.expected.verdict,
      packet,
      LEGACY_MAX_LEN,
    );
    this.#compareVerdicts(c.name, delta(this.#before, after), {
      [verdict]: 1,
    });
    if (c.expected.keys !== null) {
      this.#compareKeys(c.name, after, encoder.encode(c.expected.keys));
    }
    this.#before = after;
    if (replies.length) this.fail(c.name, `${replies.length} replies`);
    if (c.expected.keys !== null) {
      const line = new RegExp(
        `legacy request from \\S+ accepted, keys "${
          c.expected.keys.replace(/\W/g, "\\$&")
        }"`,
      );
      await this.vm.waitFor(line, { since: mark, timeoutMs: 5_000 }).catch(
        () => this.fail(c.name, `no console line ${line}`),
      );
    }
    this.checked.legacy++;
  }

  /**
   * Makes the refusal bucket what the case needs. Draining needs a full
   * bucket whose refill period starts at the first drain packet: after a
   * second without packets the kernel refills to the brim and restarts
   * the period there, so the burst (a few ms) never straddles a refill.
   */
  async #bucketFor(drain: number, spends: boolean): Promise<void> {
    let quietSince = 0;
    if (drain > 0) quietSince = Math.max(this.#lastPacketAt, this.#loadedAt);
    else if (spends && this.#tokens < 1) quietSince = this.#lastSpendAt;
    else return;
    const wait = quietSince + QUIET_MS - performance.now();
    if (wait > 0) await delay(wait);
    this.waitedMs += Math.max(0, wait);
    this.#tokens = REFUSAL_TOKENS;
  }

  /** Polls the counters until `n` more packets were judged or dropped. */
  async #settle(n: number): Promise<Counters> {
    const seen = (c: Counters) =>
      [...VERDICTS, ...DROPS].reduce(
        (sum, v) => sum + (c[v] ?? 0) - (this.#before[v] ?? 0),
        0,
      );
    const deadline = Date.now() + 10_000;
    while (true) {
      // A command may die under SysRq 'e'/'i' (they signal every task but
      // init): read again.
      const got = await counters(this.vm).catch(() => undefined);
      if (got && seen(got) >= n) return got;
      if (Date.now() > deadline) {
        throw new Error(`only ${got ? seen(got) : "?"} of ${n} packets judged`);
      }
      await delay(20);
    }
  }

  /**
   * The counter a verdict shows as. A payload longer than any valid one
   * (64 bytes v1, 256 legacy) never reaches the verifier: nsr_payload.c drops
   * it as "oversize", silently, before any hash; the vector's verdict for
   * it must then be a framing rung, which gives the same outcome.
   */
  #kernelName(
    name: string,
    verdict: string,
    packet: Uint8Array,
    max: number,
  ): string {
    if (packet.length <= max) return verdict.toLowerCase();
    if (!FRAMING.includes(verdict)) {
      this.fail(name, `${packet.length} bytes cannot be judged ${verdict}`);
    }
    this.notes.add(
      `${verdict} for a ${packet.length}-byte payload (over the rule's ` +
        `${max}-byte read) is counted as "oversize" ("${name}")`,
    );
    return "oversize";
  }

  /** An accepted request's keys: each run, or refused by the rule. */
  #compareKeys(
    name: string,
    after: Counters,
    keys: Uint8Array,
  ): void {
    const refused =
      [...keys].filter((k) => FATAL_KEYS.includes(String.fromCharCode(k)))
        .length;
    const d = delta(this.#before, after);
    const got = {
      executed: d.keys_executed ?? 0,
      refusedByRule: d.keys_refused_rule ?? 0,
      refusedBySysctl: d.keys_refused_sysctl ?? 0,
    };
    const want = {
      executed: keys.length - refused,
      refusedByRule: refused,
      refusedBySysctl: 0,
    };
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      this.fail(
        name,
        `keys ${JSON.stringify(got)}, want ${JSON.stringify(want)}`,
      );
    }
  }

  #compareVerdicts(name: string, d: Counters, want: Counters): void {
    const got: Counters = {};
    for (const k of [...VERDICTS, ...DROPS]) if (d[k]) got[k] = d[k];
    try {
      assert.deepStrictEqual(got, want);
    } catch {
      this.fail(
        name,
        `kernel counted ${JSON.stringify(got)}, want ` +
          JSON.stringify(want),
      );
    }
  }

  #compareReply(
    c: RequestCase,
    replies: Uint8Array[],
    key: MacKey,
    allKeys: boolean,
  ): void {
    if (c.expected.replyHex === null) {
      if (replies.length) {
        this.fail(c.name, `unexpected reply ${toHex(replies[0])}`);
      }
      return;
    }
    if (replies.length !== 1) {
      this.fail(c.name, `${replies.length} replies, want 1`);
      return;
    }
    const want = expectedReply(c, replies[0], key, allKeys, this.notes);
    if (toHex(replies[0]) !== toHex(want)) {
      this.fail(
        c.name,
        `reply ${toHex(replies[0])}\n    want  ${toHex(want)}`,
      );
    }
  }
}

/** An authenticated stale request (takes a refusal token, no reply). */
function stale(key: MacKey, c: RequestCase): Uint8Array {
  return createRequest(key, {
    keys: "h",
    serverAddress: c.serverAddress,
    timestamp: 1000,
    nonce: crypto.getRandomValues(new Uint8Array(16)),
    ackWanted: false,
  });
}

/**
 * The bytes the kernel must send. An ack is the vector's own, with status
 * 01 (refused by rule) for fatal keys the rule refuses; a refusal is the
 * vector's own with serverTime the kernel's clock, which must lie within
 * the clock slack of the case's `now`. Both are rebuilt with mod.ts only
 * after checking that mod.ts rebuilds the vector's own reply exactly.
 */
function expectedReply(
  c: RequestCase,
  got: Uint8Array,
  key: MacKey,
  allKeys: boolean,
  notes: Set<string>,
): Uint8Array {
  const vector = fromHex(c.expected.replyHex!);
  const packet = fromHex(c.packetHex);
  const count = packet[7];
  const keys = String.fromCharCode(...packet.subarray(32, 32 + count));
  const ts = Number(timestampOf(packet)!);
  const request = {
    keys,
    timestamp: Math.min(ts, Number.MAX_SAFE_INTEGER),
    nonce: packet.slice(16, 32),
    ackWanted: true,
  };
  const serverAddress = c.serverAddress;
  if (vector[5] === 2) {
    const vectorStatuses = [...vector.subarray(32, 32 + count)];
    const own = createAck(key, {
      serverAddress,
      request,
      statuses: vectorStatuses,
    });
    assert.equal(toHex(own), c.expected.replyHex, "mod.ts rebuilds the ack");
    if (allKeys || ![...keys].some((k) => FATAL_KEYS.includes(k))) {
      return vector;
    }
    notes.add(
      `acks of requests with '${FATAL_KEYS}' keys: the rule refuses those ` +
        "(status 01) so the guest survives; other bytes as the vector",
    );
    const statuses = vectorStatuses.map((s, i) =>
      FATAL_KEYS.includes(keys[i]) ? 1 : s
    );
    return createAck(key, { serverAddress, request, statuses });
  }
  const reason = vector[6];
  const own = createRefusal(key, {
    serverAddress,
    request,
    reason,
    serverTime: c.now,
  });
  assert.equal(toHex(own), c.expected.replyHex, "mod.ts rebuilds the refusal");
  const kernelTime = Number(timestampOf(got) ?? 0n);
  const lo = Math.floor(c.now / 1000) * 1000;
  if (kernelTime < lo || kernelTime > lo + CLOCK_SLACK_MS) return vector;
  return createRefusal(key, {
    serverAddress,
    request,
    reason,
    serverTime: kernelTime,
  });
}

/** Adds every server address to the guest and routes it over the tap. */
async function addAddresses(vm: Vm, addresses: string[]): Promise<void> {
  const guest = addresses.map((a) =>
    a.includes(":")
      ? `ip -6 addr add ${a}/128 dev eth0`
      : `ip addr add ${a}/32 dev eth0`
  );
  await vm.must(["echo 1 >/proc/sys/kernel/sysrq", ...guest].join(" && "));
  for (const a of addresses) {
    const family = a.includes(":") ? "-6" : "-4";
    await run([
      "ip",
      "netns",
      "exec",
      vm.netns!,
      "ip",
      family,
      "route",
      "add",
      a,
      "dev",
      "nsrtap0",
    ]);
  }
}

function printSummary(r: Replay, skipped: Skip[], ms: number): void {
  const n = r.checked.v1 + r.checked.legacy;
  console.log(
    `  ${n} cases checked against the kernel (${r.checked.v1} requests, ` +
      `${r.checked.legacy} legacy), ${skipped.length} skipped, ` +
      `${r.failures.length} disagreements, ${(ms / 1000).toFixed(1)} s; ` +
      `${r.loadMs.length} module loads (median ` +
      `${r.loadMs.sort((a, b) => a - b)[r.loadMs.length >> 1]} ms), ` +
      `${(r.waitedMs / 1000).toFixed(1)} s waiting for the refusal bucket`,
  );
  const byReason = new Map<string, string[]>();
  for (const s of skipped) {
    byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.name]);
  }
  for (const [reason, names] of byReason) {
    console.log(`  SKIPPED ${names.length}: ${reason}`);
    for (const name of names) console.log(`    - ${name}`);
  }
  for (const note of r.notes) console.log(`  NOTE ${note}`);
}

Deno.test({
  name: "shared vectors: the kernel in QEMU gives every case its verdict",
  ignore: !isRoot(),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const started = performance.now();
    const requests = await readCases<RequestCase>("requests.json");
    const legacy = await readCases<LegacyCase>("legacy.json");
    const { steps, skipped } = plan(requests, legacy, EXACT_LAST);
    assert.ok(
      steps.at(-1)?.kind === "v1" && steps.at(-1)?.c.name === EXACT_LAST,
      `no request named "${EXACT_LAST}" to run last (renamed in the vectors?)`,
    );
    const vm = await Vm.boot({ network: "tap", password: null });
    const sender = new NetnsSender(vm.netns!);
    const replay = new Replay(vm, sender);
    try {
      console.log(`  guest ready in ${vm.bootMs} ms`);
      const addresses = [
        ...new Set([...requests, ...legacy].map((c) => c.serverAddress)),
      ];
      await addAddresses(vm, addresses);
      for (const s of steps) await replay.step(s);
      vm.assertCleanConsole();
    } finally {
      await sender.close();
      await vm.shutdown();
      printSummary(replay, skipped, performance.now() - started);
    }
    assert.deepStrictEqual(replay.failures, [], "the kernel disagrees");
  },
});
