/**
 * The shared vectors (tests/vectors/requests.json, legacy.json) replayed
 * against the real xt_SYSRQ in one QEMU guest. Replayed as bytes: every
 * request case judged on its frame alone (rungs 1 to 9: NO_PASSWORD to
 * BAD_KEY_CHAR, v1 packets as BAD_VERSION) and every probe case (its clock
 * answer must verify, echo the probe's nonce and carry the module's live
 * boot id, the same for every probe of one load, and a protocol clock near
 * the guest's). The module is loaded with the case's password; the packet
 * goes to the case's server address (added to the guest, routed over the
 * tap link) and the kernel's verdict is read from /proc/net/xt_SYSRQ.
 * Legacy cases are replayed with the guest clock set to lastSeqno at load.
 * The other v2 cases depend on the replay state, whose boot id the kernel
 * draws at random and never lets anyone set: they are listed as skipped
 * (checked by the C and WebAssembly verifiers; the replay, retry and clock
 * scenarios check those rungs live). Needs root (tap network in a netns).
 *
 * @module
 */

import assert from "node:assert";
import { MacKey, verifyReply } from "../../mod.ts";
import { type Counters, counters, delta, VERDICTS } from "./_packets.ts";
import {
  FATAL_KEYS,
  FRAME_VERDICTS,
  isProbe,
  LEGACY_MAX_LEN,
  type LegacyCase,
  type Load,
  NetnsSender,
  plan,
  type RequestCase,
  safeKeySet,
  type Skip,
  type Step,
  V2_MAX_LEN,
} from "./_vectors.ts";
import { fromHex, toHex } from "./udp.ts";
import { delay, isRoot, run } from "./_util.ts";
import { Vm } from "./vm.ts";
import { shellQuote } from "./control_channel.ts";

const encoder = new TextEncoder();
const VECTORS = new URL("../vectors/", import.meta.url);
/** Events that count a packet dropped before the verifier. */
const DROPS = ["oversize", "malformed_udp", "fragment", "not_unicast"];
/** A probe's clock answer must be this close to the guest's clock. */
const CLOCK_NEAR_MS = 120_000;

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
  checked = { v2: 0, probes: 0, legacy: 0 };
  loadMs: number[] = [];
  #load?: string;
  #before: Counters = {};
  /** The boot id the current load's first clock answer carried. */
  #bootId?: string;

  constructor(readonly vm: Vm, readonly sender: NetnsSender) {}

  /** Reloads the module in `load`'s state unless it is in it already. */
  async ensure(load: Load, fresh: boolean): Promise<void> {
    const id = JSON.stringify(load);
    if (id === this.#load && !fresh) return;
    const opts = [
      ...(load.legacy ? ["--sysrq-legacy"] : []),
      "--sysrq-keys",
      safeKeySet(),
    ].map(shellQuote).join(" ");
    const setPassword = load.password === null
      ? "true"
      : `printf '%s' ${shellQuote(load.password)} ` +
        ">/sys/module/xt_SYSRQ/parameters/passwd";
    const clock = load.clockS === null
      ? "true"
      : `date -u -s @${load.clockS} >/dev/null`;
    const started = performance.now();
    const out = await this.vm.must(
      [
        "{ iptables-legacy -F INPUT; ip6tables-legacy -F INPUT; }",
        "{ [ ! -d /sys/module/xt_SYSRQ ] || rmmod xt_SYSRQ; }",
        clock,
        "NSR_PASSWORD= nsr load >/dev/null",
        "date +%s",
        setPassword,
        `nsr rule legacy 4 ${opts} >/dev/null`,
        `nsr rule legacy 6 ${opts} >/dev/null`,
      ].join(" && "),
      60_000,
    );
    if (load.clockS !== null) {
      // The legacy counter starts at the clock the module read at load.
      const loadedS = Number(out.trim().split("\n").at(-1));
      if (loadedS !== load.clockS) {
        throw new Error(
          `module load read the clock ${loadedS - load.clockS} s late`,
        );
      }
      // Back to the host's time, so later probes can be compared with it.
      await this.vm.must(`date -u -s @${Math.floor(Date.now() / 1000)}`);
    }
    this.#load = id;
    this.#bootId = undefined;
    this.#before = await counters(this.vm);
    this.loadMs.push(Math.round(performance.now() - started));
  }

  async step(s: Step): Promise<void> {
    await this.ensure(s.load, s.fresh);
    if (s.kind === "v2") await this.#v2(s.c);
    else await this.#legacy(s.c);
  }

  fail(name: string, what: string): void {
    this.failures.push(`${name}: ${what}`);
    console.log(`  FAIL ${name}: ${what}`);
  }

  async #v2(c: RequestCase): Promise<void> {
    const packet = fromHex(c.packetHex);
    await this.sender.send(c.serverAddress, [packet]);
    const after = await this.#settle(1);
    const want = c.expected.replyHex ? 1 : 0;
    const replies = await this.sender.collect(want, 3_000, 150);
    const verdict = this.#kernelName(
      c.name,
      c.expected.verdict,
      packet,
      V2_MAX_LEN,
    );
    this.#compareVerdicts(c.name, delta(this.#before, after), {
      [verdict]: 1,
    });
    this.#before = after;
    if (c.expected.verdict === "PROBE_ANSWERED") {
      await this.#compareClock(c, packet, replies);
      this.checked.probes++;
    } else if (replies.length) {
      this.fail(c.name, `unexpected reply ${toHex(replies[0])}`);
    }
    this.checked.v2++;
  }

  /**
   * A probe's answer: a clock answer that verifies for the probe's nonce,
   * with this load's boot id and a clock near the guest's. Its bytes differ
   * from the vector's (another boot id and clock), so they are checked by
   * their fields; that the vector's own answer has the same frame is the C
   * and WebAssembly vector tests' job.
   */
  async #compareClock(
    c: RequestCase,
    probe: Uint8Array,
    replies: Uint8Array[],
  ): Promise<void> {
    if (replies.length !== 1) {
      this.fail(c.name, `${replies.length} replies, want 1 clock answer`);
      return;
    }
    const key = await MacKey.fromBytes(fromHex(c.keyHex!));
    const nonce = probe.slice(24, 40);
    const answer = verifyReply(key, replies[0], {
      serverAddress: c.serverAddress,
      request: { probe: true, nonce },
    });
    if (answer?.type !== "clock") {
      this.fail(c.name, `not a clock answer: ${toHex(replies[0])}`);
      return;
    }
    const bootId = toHex(answer.bootId);
    this.#bootId ??= bootId;
    if (bootId !== this.#bootId) {
      this.fail(c.name, `boot id ${bootId} changed within one load`);
    }
    const guestMs = Number((await this.vm.must("date +%s")).trim()) * 1000;
    if (Math.abs(answer.serverTime - guestMs) > CLOCK_NEAR_MS) {
      this.fail(c.name, `clock ${answer.serverTime}, guest ${guestMs}`);
    }
    const vector = fromHex(c.expected.replyHex!);
    if (vector.length !== replies[0].length) {
      this.fail(
        c.name,
        `answer is ${replies[0].length} bytes, vector's ${vector.length}`,
      );
    }
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
   * (72 bytes v2, 256 legacy) never reaches the verifier: nsr_payload.c
   * drops it as "oversize", silently, before any hash; the vector's verdict
   * for it must then be a frame rung, which gives the same outcome.
   */
  #kernelName(
    name: string,
    verdict: string,
    packet: Uint8Array,
    max: number,
  ): string {
    if (packet.length <= max) return verdict.toLowerCase();
    if (![...FRAME_VERDICTS, "BAD_FORMAT"].includes(verdict)) {
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
  const { v2, probes, legacy } = r.checked;
  console.log(
    `  ${v2 + legacy} cases checked against the kernel (${v2} v2, of them ` +
      `${probes} probes; ${legacy} legacy), ${skipped.length} skipped, ` +
      `${r.failures.length} disagreements, ${(ms / 1000).toFixed(1)} s; ` +
      `${r.loadMs.length} module loads`,
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
  name:
    "shared vectors: the kernel in QEMU gives every replayable case its verdict",
  ignore: !isRoot(),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const started = performance.now();
    const requests = await readCases<RequestCase>("requests.json");
    const legacy = await readCases<LegacyCase>("legacy.json");
    const { steps, skipped } = plan(requests, legacy);
    // Enough of each kind to mean something, whatever the vectors add.
    const replayed = steps.filter((s) => s.kind === "v2");
    assert.ok(replayed.length >= 30, `${replayed.length} v2 cases replayable`);
    assert.ok(
      replayed.filter((s) => s.kind === "v2" && isProbe(s.c)).length >= 5,
      "probe cases",
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
