/**
 * The shared vectors (tests/vectors/requests.json, legacy.json) against the
 * real xt_SYSRQ in one QEMU guest; the kernel's verdict is read from
 * /proc/net/xt_SYSRQ, packets go to the case's server address (added to the
 * guest, routed over the tap link).
 *
 * - As bytes: every request case judged on its frame alone (rungs 1 to 9,
 *   v1 packets as BAD_VERSION) or on its key id (rung K: a key the server
 *   does not have) and every probe case (its clock answer must verify
 *   under the key the probe names, echo the nonce, carry the load's live
 *   boot id, the same for every probe of one load, and a clock near the
 *   guest's; an info probe's answer the live module's facts).
 * - Server keys: each case's keys are installed through the module's `keys`
 *   parameter, beside its password or without one.
 * - Re-made (tests/qemu/_vectors_live.ts): every stateful case the live
 *   clock can reproduce. The kernel draws its boot id at random and lets
 *   nobody set it, so each case gets a fresh state (the password written
 *   again), a probe for its boot id and clock, its state rebuilt (the last
 *   request, the floor, the spent refusal tokens) and its packet rebuilt
 *   around them with Web Crypto, with the key that made it (web1's
 *   request, sent to web2, is made with web1's key); the verdict must be
 *   the vector's, the reply of the vector's kind, for the live request,
 *   boot id and clock.
 * - Legacy cases with the guest clock set to lastSeqno at load.
 *
 * Cases the live kernel cannot be put in (a time edge finer than the clock
 * is known, a clock near 1970, a key-only server) are listed as skipped,
 * with why; the C and WebAssembly vector tests check every case. Needs root
 * (tap network in a netns).
 *
 * @module
 */

import assert from "node:assert";
import {
  createProbe,
  createRequest,
  MacKey,
  type ServerInfo,
  verifyReply,
} from "../../mod.ts";
import { type Counters, counters, delta, VERDICTS } from "./_packets.ts";
import {
  FATAL_KEYS,
  FRAME_VERDICTS,
  isProbe,
  keyIdOf,
  keysParam,
  LEGACY_MAX_LEN,
  type LegacyCase,
  type Load,
  plan,
  type RequestCase,
  safeKeySet,
  serverKeyHex,
  type Skip,
  type Step,
  V2_MAX_LEN,
} from "./_vectors.ts";
import { NetnsSender } from "./netns_sender.ts";
import {
  type LiveCase,
  liveCase,
  liveTime,
  type Maker,
  remake,
  timeOf,
  vectorMakers,
} from "./_vectors_live.ts";
import { fromHex, hex } from "../../core/hex.ts";
import { delay, isRoot, run } from "./_util.ts";
import { Vm } from "./vm.ts";
import { shellQuote } from "./control_channel.ts";

const encoder = new TextEncoder();
const VECTORS = new URL("../vectors/", import.meta.url);
/** Events that count a packet dropped before the verifier. */
const DROPS = ["oversize", "malformed_udp", "fragment", "not_unicast"];
/** The refill period is 200 ms; a second of quiet refills and re-phases. */
const QUIET_MS = 1_300;
/** A probe's clock answer must be this close to the guest's clock. */
const CLOCK_NEAR_MS = 120_000;
const PARAMS = "/sys/module/xt_SYSRQ/parameters";
/** Written to kmsg just before a load's clock is set. */
const CLOCK_MARK = "NSR-CLOCK-SET";
/** Offsets of the nonce and body (docs/PROTOCOL.md, "Messages"). */
const OFF_NONCE = 28;
const OFF_BODY = 40;
/** An info probe's count. */
const INFO_LEN = 24;

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
  checked = {
    v2: 0,
    probes: 0,
    legacy: 0,
    live: 0,
    /** Cases under a server key (as bytes or re-made). */
    serverKey: 0,
    /** Re-made with the other key or address that made the vector's tag. */
    otherMaker: 0,
    /** Info probes whose answer carried the live facts. */
    info: 0,
  };
  loadMs: number[] = [];
  /** Per legacy load: ms from the clock's mark to the end of init. */
  clockToLoadedMs: number[] = [];
  #load?: string;
  #before: Counters = {};
  /** The boot id the current load's first clock answer carried. */
  #bootId?: string;
  /** The current load's module state. */
  #loaded?: Load;

  /** `addresses`: every address the guest has (the vectors'). */
  constructor(
    readonly vm: Vm,
    readonly sender: NetnsSender,
    readonly addresses: string[],
  ) {}

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
      : `printf '%s' ${shellQuote(load.password)} >${PARAMS}/passwd`;
    const setKeys = load.serverKeys === ""
      ? "true"
      : `printf '%s' ${shellQuote(load.serverKeys)} >${PARAMS}/keys`;
    const v = this.vm.iptables;
    const started = performance.now();
    for (let tries = 1;; tries++) {
      await this.vm.must(
        [
          `{ iptables-${v} -F INPUT; ip6tables-${v} -F INPUT; }`,
          "{ [ ! -d /sys/module/xt_SYSRQ ] || rmmod xt_SYSRQ; }",
          ...this.#loadWithClock(load.clockS),
          setPassword,
          setKeys,
          `nsr rule ${v} 4 ${opts} >/dev/null`,
          `nsr rule ${v} 6 ${opts} >/dev/null`,
        ].join(" && "),
        60_000,
      );
      if (load.clockS === null) break;
      // Back to the host's time, so later probes can be compared with it.
      await this.vm.must(`date -u -s @${Math.floor(Date.now() / 1000)}`);
      const ms = await this.#clockSetToLoadedMs();
      this.clockToLoadedMs.push(ms);
      if (ms < 1_000) break;
      if (tries === 3) {
        throw new Error(
          `module load ended ${ms} ms after the clock was set (3 tries): ` +
            "the clock its init read is not known to the second",
        );
      }
    }
    this.#load = id;
    this.#loaded = load;
    this.#bootId = undefined;
    this.#before = await counters(this.vm);
    this.loadMs.push(Math.round(performance.now() - started));
  }

  /**
   * Commands that load xt_SYSRQ (no password, so its init ends saying so),
   * with the wall clock set to `clockS` just before, when given: the legacy
   * counter starts at the clock its init reads first. Its dependencies are
   * loaded before the clock is set, and kmsg gets a mark just before it is
   * set, so that #clockSetToLoadedMs bounds the read.
   */
  #loadWithClock(clockS: number | null): string[] {
    if (clockS === null) return ["NSR_PASSWORD= nsr load >/dev/null"];
    return [
      "for d in $(tr , ' ' </lib/nsr/xt_SYSRQ.deps 2>/dev/null); do " +
      "[ -d /sys/module/$d ] || insmod /lib/nsr/mod/$d.ko; done",
      `echo ${CLOCK_MARK} >/dev/kmsg`,
      `date -u -s @${clockS} >/dev/null`,
      "insmod /lib/nsr/xt_SYSRQ.ko",
    ];
  }

  /**
   * Milliseconds (kernel log time) from the last clock mark to the end of
   * the module's init. Under 1,000, the clock init read was the second
   * set: it was set after the mark and read before the end. (A debug
   * kernel's whole load, with the shell's commands around it, can take
   * longer than a second: the time after it says nothing.)
   */
  async #clockSetToLoadedMs(): Promise<number> {
    const log = await this.vm.must("dmesg", 30_000);
    const at = (pattern: RegExp) => {
      const lines = log.split("\n").filter((l) => pattern.test(l));
      const m = lines.at(-1)?.match(/^\[\s*(\d+\.\d+)\]/);
      if (!m) throw new Error(`no ${pattern} in the kernel log`);
      return Number(m[1]) * 1000;
    };
    return Math.round(
      at(/xt_SYSRQ: loaded without a password/) -
        at(new RegExp(CLOCK_MARK)),
    );
  }

  async step(s: Step): Promise<void> {
    await this.ensure(s.load, s.fresh);
    if (s.kind === "v2") await this.#v2(s.c);
    else await this.#legacy(s.c);
  }

  /**
   * One stateful case re-made for a fresh state of the live module (see
   * _vectors_live.ts): the password written again (a new boot id, floor 0,
   * a full refusal budget), a probe, the state's setup, then the case.
   */
  async live(lc: LiveCase): Promise<void> {
    const c = lc.c;
    // A password write makes the new state; a key-only server then loses
    // the password again (clearing it keeps the state).
    const password = c.password ?? "vectors-throwaway-password";
    await this.vm.must(
      [
        `printf '%s\\n' ${shellQuote(keysParam(c))} >${PARAMS}/keys`,
        `printf '%s' ${shellQuote(password)} >${PARAMS}/passwd`,
        c.password === null ? `echo >${PARAMS}/passwd` : "true",
      ].join(" && "),
      60_000,
    );
    const key = await MacKey.fromBytes(fromHex(lc.server.keyHex));
    const clock = await this.#probe(key, c.serverAddress, lc.keyId);
    const est = () =>
      BigInt(clock.serverTime + Math.floor(performance.now() - clock.at));
    const setup = (time: bigint, keys = "h") =>
      createRequest(key, {
        keys,
        keyId: lc.keyId,
        ...(lc.keyId === 0 ? { serverAddress: c.serverAddress } : {}),
        bootId: clock.bootId,
        timestamp: Number(time),
        ackWanted: false,
      });
    this.#before = await counters(this.vm);
    const want: Counters = {};
    const count = (v: string, n = 1) => want[v] = (want[v] ?? 0) + n;
    const sent: { address: string; packet: Uint8Array }[] = [];
    const now = BigInt(c.now);
    let liveFloor: bigint | null = null;
    let lastLive: Uint8Array | null = null;
    let tokens = 5;
    if (lc.last !== null) {
      const maker = lc.lastMaker!;
      lastLive = await remake(lc.last, {
        keyHex: maker.keyHex,
        address: maker.address === null
          ? null
          : lc.lastAddress ?? c.serverAddress,
        vectorBoot: c.state.bootIdHex,
        bootId: clock.bootId,
        time: est() + (timeOf(lc.last) - now),
        badTag: false,
      });
      sent.push({
        address: lc.lastAddress ?? this.#lastAddress(c, maker),
        packet: lastLive,
      });
      count("accepted");
      liveFloor = timeOf(lastLive);
    }
    if (lc.raiseFloor !== null) {
      liveFloor = est() + lc.raiseFloor;
      sent.push({ address: c.serverAddress, packet: setup(liveFloor) });
      // Ahead of the clock: consumed (a token); else accepted.
      if (lc.raiseFloor > 1000n) {
        count("refused_future");
        tokens--;
      } else count("accepted");
    }
    // Authenticated stale requests spend the tokens the case lacks; they
    // go out in one burst with the case (below), so that no refill comes
    // between them.
    const drains: Uint8Array[] = [];
    for (; tokens > c.state.refusalTokens; tokens--) {
      drains.push(setup(1000n));
      count("refused_stale");
    }
    const packet = fromHex(c.packetHex);
    const maker = lc.maker ?? lc.server;
    const casePacket = lc.isLast && lastLive !== null
      ? lastLive
      : await remake(packet, {
        keyHex: maker.keyHex,
        address: maker.address,
        vectorBoot: c.state.bootIdHex,
        bootId: clock.bootId,
        time: liveTime(timeOf(packet), c, est(), liveFloor),
        badTag: lc.maker === null,
      });
    count(c.expected.verdict.toLowerCase());
    for (const { address, packet } of sent) {
      // The re-made last request asks for its ack as the vector's did.
      const acked = packet === lastLive && (packet[6] & 1) === 1;
      await this.sender.send(address, [packet]);
      const got = await this.sender.collect(acked ? 1 : 0, 3_000, 50);
      if (got.length !== (acked ? 1 : 0)) {
        this.fail(c.name, `setup got ${got.length} replies`);
      }
    }
    if (drains.length) {
      // A second without packets refills the bucket to the brim and starts
      // its refill period at the next packet: the burst has it all.
      await delay(QUIET_MS);
    }
    await this.sender.send(c.serverAddress, [...drains, casePacket]);
    const after = await this.#settle(sent.length + drains.length + 1);
    const replies = await this.sender.collect(
      c.expected.replyHex ? 1 : 0,
      3_000,
      150,
    );
    this.#compareVerdicts(c.name, delta(this.#before, after), want);
    this.#before = after;
    this.#compareLiveReply(c, key, casePacket, clock.bootId, est(), replies);
    this.checked.live++;
    if (lc.keyId !== 0) this.checked.serverKey++;
    if (lc.maker !== null && lc.maker !== lc.server) this.checked.otherMaker++;
  }

  /**
   * Where the last accepted request goes when the vector does not say: the
   * case's address in password mode; with a server key (A is zeros, so the
   * address is no part of it) another of the guest's addresses, so that a
   * case about a copy sent elsewhere is one.
   */
  #lastAddress(c: RequestCase, maker: Maker): string {
    if (maker.address !== null) return c.serverAddress;
    const v6 = c.serverAddress.includes(":");
    return this.addresses.find((a) =>
      a !== c.serverAddress && a.includes(":") === v6
    ) ?? c.serverAddress;
  }

  /** The live boot id and clock, from a probe's verified answer. */
  async #probe(key: MacKey, address: string, keyId: number) {
    const nonce = crypto.getRandomValues(new Uint8Array(12));
    await this.sender.send(address, [
      createProbe(key, {
        keyId,
        ...(keyId === 0 ? { serverAddress: address } : {}),
        nonce,
      }),
    ]);
    const [answer] = await this.sender.collect(1, 3_000, 0);
    const at = performance.now();
    const clock = answer === undefined ? null : verifyReply(key, answer, {
      serverAddress: address,
      request: { probe: true, nonce, keyId },
    });
    if (clock?.type !== "clock") throw new Error("no clock answer");
    return { bootId: clock.bootId, serverTime: clock.serverTime, at };
  }

  /**
   * The reply to a re-made case: none when the vector has none; else the
   * vector's kind (ack, with REPEAT as the vector's; refusal, with its
   * reason), verified for the live request, carrying the live boot id and,
   * for a refusal, the live clock. The vector's own bytes name its boot id
   * and clock, so they are compared by their fields.
   */
  #compareLiveReply(
    c: RequestCase,
    key: MacKey,
    packet: Uint8Array,
    bootId: Uint8Array,
    liveNow: bigint,
    replies: Uint8Array[],
  ): void {
    if (c.expected.replyHex === null) {
      if (replies.length) this.fail(c.name, `reply ${hex(replies[0])}`);
      return;
    }
    if (replies.length !== 1) {
      this.fail(c.name, `${replies.length} replies, want 1`);
      return;
    }
    const vector = fromHex(c.expected.replyHex);
    const n = packet[7];
    const keys = String.fromCharCode(...packet.subarray(40, 40 + n));
    const request = {
      keys,
      keyId: keyIdOf(packet),
      bootId: packet.slice(8, 16),
      timestamp: Number(
        timeOf(packet) > BigInt(Number.MAX_SAFE_INTEGER) ? 0n : timeOf(packet),
      ),
      nonce: packet.slice(OFF_NONCE, OFF_BODY),
      ackWanted: true,
    };
    const reply = verifyReply(key, replies[0], {
      serverAddress: c.serverAddress,
      request,
    });
    const what = JSON.stringify(reply);
    if (vector[5] === 2) {
      const statuses = [...keys].map((k) => FATAL_KEYS.includes(k) ? 1 : 0);
      if (
        reply?.type !== "ack" || reply.repeat !== ((vector[6] & 1) === 1) ||
        JSON.stringify(reply.statuses) !== JSON.stringify(statuses)
      ) this.fail(c.name, `not the ack wanted: ${what}`);
      return;
    }
    if (
      reply?.type !== "refusal" || reply.reason !== vector[6] ||
      hex(reply.bootId) !== hex(bootId) ||
      Math.abs(reply.serverTime - Number(liveNow)) > CLOCK_NEAR_MS
    ) this.fail(c.name, `not the refusal wanted: ${what}`);
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
      this.fail(c.name, `unexpected reply ${hex(replies[0])}`);
    }
    this.checked.v2++;
    if (keyIdOf(packet) !== 0) this.checked.serverKey++;
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
    const keyId = keyIdOf(probe);
    const key = await MacKey.fromBytes(fromHex(serverKeyHex(c, keyId)!));
    const nonce = probe.slice(OFF_NONCE, OFF_BODY);
    const info = probe[7] === INFO_LEN;
    const answer = verifyReply(key, replies[0], {
      serverAddress: c.serverAddress,
      request: { probe: true, nonce, keyId, info },
    });
    if (answer?.type !== "clock") {
      this.fail(c.name, `not a clock answer: ${hex(replies[0])}`);
      return;
    }
    if (info) {
      // Whether output works depends on the kernel's AEAD library
      // (output_test.ts and info_probe_test.ts judge that bit).
      const facts = answer.info!;
      const want = JSON.stringify(
        await this.#liveFacts(facts.capabilities.output),
      );
      const got = JSON.stringify(facts);
      if (got !== want) this.fail(c.name, `facts ${got}, want ${want}`);
      this.checked.info++;
    }
    const bootId = hex(answer.bootId);
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

  /**
   * What an info probe's answer must say here: the loaded module's version
   * and tolerance, the guest's kernel.sysrq, the rule of this load (its
   * key set, legacy or not). The vector's own facts describe its server,
   * not this one; that the bytes carry them is the C and WebAssembly
   * vector tests' job.
   */
  async #liveFacts(output: boolean): Promise<ServerInfo> {
    const read = async (path: string) =>
      (await this.vm.must(`cat ${path}`)).trim();
    return {
      version: await read("/sys/module/xt_SYSRQ/version"),
      capabilities: {
        noAck: false,
        legacy: this.#loaded?.legacy ?? false,
        output,
        safeReboot: true,
      },
      sysrq: Number(await read("/proc/sys/kernel/sysrq")),
      toleranceSeconds: Number(await read(`${PARAMS}/tolerance`)),
      ruleKeys: [...safeKeySet()].sort().join(""),
    };
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
   * (80 bytes v2, an info probe; 256 legacy) never reaches the verifier:
   * nsr_payload.c drops it as "oversize", silently, before any hash; the
   * vector's verdict for it must then be a frame rung, which gives the same
   * outcome.
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
  const { v2, probes, legacy, live, serverKey, otherMaker, info } = r.checked;
  console.log(
    `  ${v2 + legacy + live} cases checked against the kernel (${v2} v2 as ` +
      `bytes, of them ${probes} probes; ${live} v2 re-made for the live ` +
      `boot id and clock; ${legacy} legacy), ${skipped.length} skipped, ` +
      `${r.failures.length} disagreements, ${(ms / 1000).toFixed(1)} s; ` +
      `${r.loadMs.length} module loads`,
  );
  if (r.clockToLoadedMs.length > 0) {
    console.log(
      `  legacy loads: clock set to end of init ` +
        `${Math.min(...r.clockToLoadedMs)}..${Math.max(...r.clockToLoadedMs)}` +
        ` ms (${r.clockToLoadedMs.length} loads)`,
    );
  }
  console.log(
    `  ${serverKey} cases under a server key (installed through the keys ` +
      `parameter), ${otherMaker} re-made with the other key or address ` +
      `that made their tag, ${info} info probes answered with the live facts`,
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
    const { steps, skipped: notAsBytes } = plan(requests, legacy);
    const byHex = new Map(
      requests.map((c) => [c.addressHex, c.serverAddress] as const),
    );
    const makers = vectorMakers(requests);
    const live: LiveCase[] = [];
    const skipped: Skip[] = [];
    for (const s of notAsBytes) {
      const c = requests.find((r) => r.name === s.name);
      const lc = c === undefined || (c.password === null && c.keyHex !== null)
        ? s.reason
        : await liveCase(c, byHex, makers);
      if (typeof lc === "string") skipped.push({ name: s.name, reason: lc });
      else live.push(lc);
    }
    assert.ok(live.length >= 30, `${live.length} stateful cases re-made`);
    // Enough of each kind to mean something, whatever the vectors add.
    const replayed = steps.filter((s) => s.kind === "v2");
    assert.ok(replayed.length >= 30, `${replayed.length} v2 cases replayable`);
    assert.ok(
      replayed.filter((s) => s.kind === "v2" && isProbe(s.c)).length >= 5,
      "probe cases",
    );
    const vm = await Vm.boot({ network: "tap", password: null });
    const sender = new NetnsSender(vm.netns!);
    const addresses = [
      ...new Set([...requests, ...legacy].map((c) => c.serverAddress)),
    ];
    const replay = new Replay(vm, sender, addresses);
    try {
      console.log(`  guest ready in ${vm.bootMs} ms`);
      await addAddresses(vm, addresses);
      for (const s of steps) await replay.step(s);
      // The stateful cases, re-made for the live boot id and clock.
      const password = live[0]?.c.password ?? null;
      await replay.ensure(
        { clockS: null, password, legacy: false, serverKeys: "" },
        true,
      );
      for (const lc of live) await replay.live(lc);
      vm.assertCleanConsole();
    } finally {
      await sender.close();
      await vm.shutdown();
      printSummary(replay, skipped, performance.now() - started);
    }
    assert.deepStrictEqual(replay.failures, [], "the kernel disagrees");
    // Whatever the vectors add: server keys, attacks made with the other
    // server's key, and info probes reached the kernel.
    const { serverKey, otherMaker, info } = replay.checked;
    assert.ok(serverKey >= 15, `${serverKey} server-key cases`);
    assert.ok(otherMaker >= 3, `${otherMaker} re-made with their maker`);
    assert.ok(info >= 2, `${info} info probes`);
  },
});
