/**
 * The shared vectors (tests/vectors/) as a plan for a live kernel: which
 * cases a running guest can reproduce, in which module state, and why the
 * others cannot. Also a UDP sender that lives inside the tap network's
 * namespace (`deno run -A _vectors.ts`, one JSON command a line on stdin),
 * so the host can send to any address routed into the guest without
 * starting a process per packet.
 *
 * @module
 */

import dgram from "node:dgram";
import { fromHex, toHex } from "./udp.ts";

/** One case of tests/vectors/requests.json. */
export interface RequestCase {
  name: string;
  password: string | null;
  keyHex: string | null;
  serverAddress: string;
  now: number;
  toleranceMs: number;
  state: { lastAccepted: number; refusalTokens: number };
  packetHex: string;
  expected: { verdict: string; replyHex: string | null };
}

/** One case of tests/vectors/legacy.json. */
export interface LegacyCase {
  name: string;
  password: string | null;
  serverAddress: string;
  state: { lastSeqno: number };
  packetHex: string;
  expected: { verdict: string; keys: string | null };
}

/** The module state a group of cases needs: one fresh load each. */
export interface Load {
  /** Guest clock (s) when the module loads: last_accepted, last_seqno. */
  clockS: number;
  password: string | null;
  legacy: boolean;
  /** The tolerance parameter, seconds. */
  toleranceS: number;
}

/** A case the guest can reproduce. */
export type Step =
  & { load: Load; /** needs a load of its own */ fresh: boolean }
  & (
    | { kind: "v1"; c: RequestCase; drain: number; last?: boolean }
    | { kind: "legacy"; c: LegacyCase }
  );

/** A case left out, and why. */
export interface Skip {
  name: string;
  reason: string;
}

/** Refusal bucket size and rate (kernel/nsr_proto.h). */
export const REFUSAL_TOKENS = 5;
/** Largest payload each rule reads (kernel/nsr_proto.h); more: "oversize". */
export const V1_MAX_LEN = 64;
export const LEGACY_MAX_LEN = 256;
/**
 * How far the guest's clock may run on between setting it and the kernel
 * reading it (load, or a packet judged). The test measures both spans and
 * fails if one exceeds this, so a case judged robust here really was.
 */
export const CLOCK_SLACK_MS = 5_000;

/** Below this a guest clock cannot be set (its uptime in this test). */
const EARLIEST_CLOCK_MS = 300_000;

const TIME_VERDICTS = new Set([
  "ACCEPTED",
  "STALE",
  "FUTURE",
  "REPLAY",
  "REFUSED_STALE",
  "REFUSED_FUTURE",
  "REFUSED_REPLAY",
]);

/** The packet's timestamp (bytes 8..16), or null if it has none. */
export function timestampOf(packet: Uint8Array): bigint | null {
  if (packet.length < 16) return null;
  return new DataView(packet.buffer, packet.byteOffset).getBigUint64(8);
}

/** Rungs 10 to 12 of docs/PROTOCOL.md: which time check fails first. */
export function timeRung(
  ts: bigint,
  now: bigint,
  last: bigint,
  tol: bigint,
): "ok" | "stale" | "future" | "replay" {
  if (now >= tol && ts < now - tol) return "stale";
  if (ts > now + tol) return "future";
  if (ts <= last) return "replay";
  return "ok";
}

/**
 * The guest sets its clock in whole seconds and the clock runs on: now is
 * somewhere in [floor(now), floor(now) + slack], last_accepted in
 * [floor(last), floor(last) + slack]. Returns why the case's time verdict
 * changes inside that box, or null when it holds everywhere (each rung is
 * monotonic in one variable, so the corners decide).
 */
export function timeEdge(c: RequestCase): string | null {
  const ts = timestampOf(fromHex(c.packetHex));
  if (ts === null) return null;
  const tol = BigInt(c.toleranceMs);
  const exact = timeRung(ts, BigInt(c.now), BigInt(c.state.lastAccepted), tol);
  const nowLo = BigInt(Math.floor(c.now / 1000) * 1000);
  const lastLo = BigInt(Math.floor(c.state.lastAccepted / 1000) * 1000);
  const slack = BigInt(CLOCK_SLACK_MS);
  for (const now of [nowLo, nowLo + slack]) {
    for (const last of [lastLo, lastLo + slack]) {
      const got = timeRung(ts, now, last, tol);
      if (got !== exact) {
        const dn = now - BigInt(c.now);
        const dl = last - BigInt(c.state.lastAccepted);
        return `on a time edge: "${exact}" at the vector's clock, "${got}" ` +
          `with now ${dn >= 0 ? "+" : ""}${dn} ms and last_accepted ` +
          `${dl >= 0 ? "+" : ""}${dl} ms (the guest clock is set in whole ` +
          `seconds and runs on up to ${CLOCK_SLACK_MS} ms before the packet)`;
      }
    }
  }
  return null;
}

/** Does the case's time fail anywhere in the box (so it takes a token)? */
export function mayTakeToken(c: RequestCase): boolean {
  const ts = timestampOf(fromHex(c.packetHex));
  if (
    ts === null || !["BAD_MAC", ...TIME_VERDICTS].includes(c.expected.verdict)
  ) {
    return false;
  }
  const tol = BigInt(c.toleranceMs);
  const lo = BigInt(Math.floor(c.now / 1000) * 1000);
  const last = BigInt(Math.floor(c.state.lastAccepted / 1000) * 1000);
  const slack = BigInt(CLOCK_SLACK_MS);
  return [lo, lo + slack].some((n) =>
    [last, last + slack].some((l) => timeRung(ts, n, l, tol) !== "ok")
  );
}

/** Keys the guest must never run: 'b' reboots it (-no-reboot ends QEMU). */
export const FATAL_KEYS = "bco";

/**
 * Orders the cases for one guest and says which cannot run. Every accepted
 * case changes the state (last_accepted, last_seqno), so each gets its own
 * load; the others share one load per state. Requests whose keys include a
 * fatal key run under a rule that refuses it (status 01 in the ack), except
 * `exactLast`, which runs last with every key allowed: its 'b' ends the
 * guest, after the ack left.
 */
export function plan(
  requests: RequestCase[],
  legacy: LegacyCase[],
  exactLast?: string,
): { steps: Step[]; skipped: Skip[] } {
  const skipped: Skip[] = [];
  const shared = new Map<string, Step[]>();
  const own: Step[] = [];
  let final: Step | undefined;
  for (const c of requests) {
    const why = skipReason(c);
    if (why) {
      skipped.push({ name: c.name, reason: why });
      continue;
    }
    const load: Load = {
      clockS: Math.floor(c.state.lastAccepted / 1000),
      password: c.password,
      legacy: false,
      toleranceS: c.toleranceMs / 1000,
    };
    const drain = REFUSAL_TOKENS - c.state.refusalTokens;
    const fresh = c.expected.verdict === "ACCEPTED";
    const step: Step = { kind: "v1", c, load, drain, fresh };
    if (c.name === exactLast) final = { ...step, last: true };
    else if (c.expected.verdict === "ACCEPTED") own.push(step);
    else push(shared, JSON.stringify(load), step);
  }
  for (const c of legacy) {
    const load: Load = {
      clockS: c.state.lastSeqno,
      password: c.password,
      legacy: true,
      toleranceS: 300,
    };
    const fresh = c.expected.verdict === "ACCEPTED";
    const step: Step = { kind: "legacy", c, load, fresh };
    if (c.expected.verdict === "ACCEPTED") own.push(step);
    else push(shared, JSON.stringify(load), step);
  }
  const groups = [...shared.values()].map(tokensLast);
  const steps = [...groups.flat(), ...own, ...(final ? [final] : [])];
  return { steps, skipped };
}

function push(map: Map<string, Step[]>, key: string, step: Step): void {
  map.set(key, [...(map.get(key) ?? []), step]);
}

/** Within one load, the cases that spend refusal tokens come last. */
function tokensLast(steps: Step[]): Step[] {
  const spends = (s: Step) =>
    s.kind === "v1" && (s.drain > 0 || mayTakeToken(s.c));
  return [...steps.filter((s) => !spends(s)), ...steps.filter(spends)];
}

function skipReason(c: RequestCase): string | null {
  if (c.password === null && c.keyHex !== null) {
    return "the kernel takes a password, not a derived key (no key " +
      "parameter), so a server holding only the key cannot be set up";
  }
  if (c.toleranceMs % 1000 !== 0) {
    return "the tolerance parameter is in whole seconds";
  }
  if (Math.min(c.now, c.state.lastAccepted) < EARLIEST_CLOCK_MS) {
    return "needs the guest clock seconds after 1970: the kernel refuses a " +
      "wall clock earlier than the time since boot (busybox date: Invalid " +
      "argument, seen at 4 s of uptime for @0 and @1)";
  }
  if (TIME_VERDICTS.has(c.expected.verdict)) return timeEdge(c);
  return null;
}

/** The rule's key set: every SysRq key but the fatal ones. */
export function safeKeySet(): string {
  let keys = "";
  for (let k = 0x21; k <= 0x7e; k++) {
    const ch = String.fromCharCode(k);
    if (!FATAL_KEYS.includes(ch)) keys += ch;
  }
  return keys;
}

/** A sender in the tap network's namespace, fed one command a line. */
export class NetnsSender {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #lines: AsyncIterator<string>;

  constructor(netns: string) {
    const self = new URL(import.meta.url).pathname;
    this.#child = new Deno.Command("ip", {
      args: ["netns", "exec", netns, Deno.execPath(), "run", "-A", self],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#lines = lines(this.#child.stdout)[Symbol.asyncIterator]();
  }

  async #call(command: unknown): Promise<Record<string, unknown>> {
    const line = JSON.stringify(command) + "\n";
    await this.#writer.write(new TextEncoder().encode(line));
    const { value, done } = await this.#lines.next();
    if (done) throw new Error("the namespace sender exited");
    return JSON.parse(value);
  }

  /** Sends `packets` in order from a fresh socket that keeps listening. */
  async send(host: string, packets: Uint8Array[]): Promise<void> {
    await this.#call({ send: { host, packets: packets.map(toHex) } });
  }

  /**
   * Waits for `want` replies (or `timeoutMs`), then `graceMs` more for
   * any extra one; closes the socket and returns every reply it got.
   */
  async collect(
    want: number,
    timeoutMs: number,
    graceMs: number,
  ): Promise<Uint8Array[]> {
    const out = await this.#call({ collect: { want, timeoutMs, graceMs } });
    return (out.replies as string[]).map(fromHex);
  }

  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    await this.#child.status;
    await this.#child.stdout.cancel().catch(() => {});
  }
}

async function* lines(stream: ReadableStream<Uint8Array>) {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The namespace side of NetnsSender. */
async function serve(): Promise<void> {
  let socket: dgram.Socket | undefined;
  let replies: Uint8Array[] = [];
  const print = (o: unknown) => console.log(JSON.stringify(o));
  for await (const line of lines(Deno.stdin.readable)) {
    const cmd = JSON.parse(line);
    if (cmd.send) {
      const { host, packets } = cmd.send;
      socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
      replies = [];
      socket.on("message", (m: Uint8Array) => replies.push(new Uint8Array(m)));
      await new Promise<void>((r) => socket!.bind(0, r));
      for (const hex of packets as string[]) {
        await new Promise<void>((resolve, reject) =>
          socket!.send(fromHex(hex), 9, host, (e) => e ? reject(e) : resolve())
        );
      }
      print({ sent: packets.length });
    } else if (cmd.collect) {
      const { want, timeoutMs, graceMs } = cmd.collect;
      const deadline = Date.now() + timeoutMs;
      while (replies.length < want && Date.now() < deadline) await sleep(10);
      await sleep(graceMs);
      socket?.close();
      socket = undefined;
      print({ replies: replies.map(toHex) });
    }
  }
}

if (import.meta.main) await serve();
