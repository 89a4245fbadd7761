/**
 * One host's exchange (docs/PROTOCOL.md, "Client behaviour"): resolve it;
 * probe it once per run for its boot id and clock; stamp the request from
 * that clock (never the local one); show it (`--dry-run`), send it once
 * (`--no-ack`), or send it and resend the IDENTICAL bytes on silence until
 * a reply verifies. After an authenticated refusal that proves nothing ran
 * (FUTURE), make one new request, re-stamped from the refusal. The legacy
 * format is sent once.
 *
 * @module
 */

import type { Options } from "./args.ts";
import { type HostKey, hostKey, type RunKeys } from "./host_keys.ts";
import { type HostSpec, resolve, shownIdentity, type Target } from "./hosts.ts";
import type { HostResult } from "./output.ts";
import { ServerClock } from "./server_clock.ts";
import { Deadlines } from "./deadlines.ts";
import { LocalFailure, type Transport } from "./transport.ts";
import { NONCE_LEN, OFF_NONCE } from "../core/constants.ts";
import { isOutputMessage, outputKey } from "../core/output.ts";
import {
  type HostOutput,
  OutputCollector,
  outputWait,
} from "./output_channel.ts";
import { hex } from "../core/hex.ts";
import {
  createLegacyRequest,
  createProbe,
  createRequest,
  type ProbeInfo,
  RefusalReason,
  type Reply,
  type RequestInfo,
  verifyReply,
} from "../mod.ts";

/** Everything one host's exchange needs, shared by every host of a run. */
export interface Context {
  options: Options;
  /** The password's key, the admin secret: each host's key comes from them. */
  keys: RunKeys;
  transport: Transport;
  /** Each host's clock, probed once per run ("address port"). */
  clocks?: Map<string, Promise<ServerClock | null>>;
  /** The run's waits for replies, on one timer. */
  deadlines?: Deadlines;
}

/** A verified reply and when it arrived. */
interface Answer {
  reply: Reply;
  at: number;
  wall: number;
}

/**
 * Resolve, probe, stamp, send and (unless told not to) wait for the reply.
 * `keysGoing` is called just before the first packet that carries keys
 * leaves (until then, a stop leaves the host untouched).
 */
export async function exchange(
  spec: HostSpec,
  context: Context,
  keysGoing: () => void = () => {},
): Promise<HostResult> {
  const { options } = context;
  const result: HostResult = {
    label: spec.label,
    port: spec.port,
    keys: options.keys,
    outcome: "error",
    attempts: 0,
    ...(options.safeReboot
      ? { safeReboot: true, onlyIfSynced: options.onlyIfSynced || undefined }
      : {}),
  };
  let target: Target;
  try {
    target = await resolve(spec);
  } catch (error) {
    return { ...result, error: (error as Error).message };
  }
  result.address = target.address;
  const serverAddress = options.serverAddress ?? target.address;
  try {
    if (options.legacy !== undefined) {
      const packet = await legacyPacket(
        options,
        context.keys.passwordText,
        serverAddress,
      );
      if (options.dryRun) {
        return { ...result, outcome: "dry-run", packet: hex(packet) };
      }
      keysGoing();
      await send(context.transport, target, packet);
      return { ...result, outcome: "sent", attempts: 1 };
    }
    const key = await hostKey(context.keys, spec, options);
    result.keyId = key.keyId;
    if (key.keyId !== 0) result.identity = shownIdentity(spec);
    if (options.dryRun) {
      // The request needs the server's clock; the probe is what goes first.
      const probe = createProbe(key.key, { serverAddress, keyId: key.keyId });
      return { ...result, outcome: "dry-run", packet: hex(probe) };
    }
    const clock = await clockOf(context, target, serverAddress, key);
    if (clock === null) {
      return noReply(context, target, result, "probe");
    }
    result.clockOffsetMs = clock.offsetMs;
    keysGoing();
    if (!options.ack) {
      const request = newRequest(options.keys, false, clock, key);
      const packet = createRequest(key.key, { ...request, serverAddress });
      await send(context.transport, target, packet);
      return { ...result, outcome: "sent", attempts: 1 };
    }
    return await untilAnswered(
      context,
      target,
      serverAddress,
      result,
      clock,
      key,
    );
  } catch (error) {
    if (error instanceof LocalFailure) throw error;
    return { ...result, error: `cannot send: ${(error as Error).message}` };
  }
}

/** The host's clock: probed on first use in this run, then remembered (also --check). */
export function clockOf(
  context: Context,
  target: Target,
  serverAddress: string,
  key: HostKey,
  info = false,
): Promise<ServerClock | null> {
  const clocks = context.clocks ??= new Map();
  const id =
    `${target.address} ${target.port} ${serverAddress} ${key.keyId} ${info}`;
  let clock = clocks.get(id);
  if (clock === undefined) {
    clock = probe(context, target, serverAddress, key, info);
    clocks.set(id, clock);
  }
  return clock;
}

/**
 * Send a probe (the identical bytes again on silence; an info probe asks
 * for the server's facts too); its clock or null.
 */
async function probe(
  context: Context,
  target: Target,
  serverAddress: string,
  { key, keyId }: HostKey,
  info: boolean,
): Promise<ServerClock | null> {
  const nonce = freshNonce();
  const packet = createProbe(key, { serverAddress, nonce, keyId, info });
  const sent: ProbeInfo = { probe: true, nonce, keyId, info };
  const { answer, rttMs } = await sendUntilReply(
    context,
    target,
    packet,
    (reply) => verifyReply(key, reply, { serverAddress, request: sent }),
    undefined,
    true,
  );
  if (answer === null || answer.reply.type !== "clock") return null;
  return clockFrom(answer, rttMs);
}

function clockFrom(answer: Answer, rttMs: number): ServerClock {
  const reply = answer.reply as Reply & { type: "clock" | "refusal" };
  return new ServerClock(
    reply.bootId,
    reply.serverTime,
    answer.at,
    rttMs,
    answer.wall,
    reply.type === "clock" ? reply.info : undefined,
  );
}

/** Random bytes for nonces, drawn 256 nonces at a time (see freshNonce). */
let nonces = new Uint8Array(0);
let noncesUsed = 0;

/**
 * A new random nonce, never handed out before: a slice of one
 * crypto.getRandomValues call made for 256 of them (a call per nonce cost
 * a few percent of the client's CPU for 10,000 hosts).
 */
function freshNonce(): Uint8Array {
  if (noncesUsed + NONCE_LEN > nonces.length) {
    nonces = crypto.getRandomValues(new Uint8Array(NONCE_LEN * 256));
    noncesUsed = 0;
  }
  noncesUsed += NONCE_LEN;
  return nonces.slice(noncesUsed - NONCE_LEN, noncesUsed);
}

function newRequest(
  keys: string,
  ackWanted: boolean,
  clock: ServerClock,
  key: HostKey,
  outputWanted = false,
): RequestInfo {
  const nonce = freshNonce();
  return {
    keys,
    keyId: key.keyId,
    bootId: clock.bootId,
    timestamp: clock.stamp(),
    nonce,
    ackWanted,
    outputWanted,
  };
}

function legacyPacket(
  options: Options,
  password: string,
  serverAddress: string,
): Promise<Uint8Array> {
  const salt = btoa(
    String.fromCharCode(...crypto.getRandomValues(new Uint8Array(12))),
  );
  return createLegacyRequest({
    password,
    keys: options.keys,
    // The server's counter starts at its clock in seconds, as the
    // xtables-addons recipe (`date +%s`) expects.
    seqno: Math.floor(Date.now() / 1000),
    salt,
    serverAddress,
    hash: options.legacy,
  });
}

function send(
  transport: Transport,
  target: Target,
  packet: Uint8Array,
): Promise<void> {
  return transport.send(packet, target.address, target.port, target.family);
}

/**
 * Send `packet`, wait, and resend the very same bytes on silence, up to
 * --retries times, until `verify` accepts a reply (the transport routes
 * replies by the nonce they echo). Output messages on the same nonce go to
 * `output` from the first copy on: they may come right behind the ack,
 * and keep going there after it, until the caller calls `release` (Deno's
 * node:dgram delivers datagrams between promise continuations: a waiter
 * removed and added again would lose some). Returns the verified reply (or
 * null), the number of copies sent, the round trip of the last copy, and
 * `release`. `diagnose` (probes only): after the first silence, one copy
 * more goes from a connected socket, to hear an ICMP port unreachable
 * under Deno (see Transport.sendConnected).
 */
async function sendUntilReply(
  context: Context,
  target: Target,
  packet: Uint8Array,
  verify: (reply: Uint8Array) => Reply | null,
  output?: OutputCollector,
  diagnose = false,
): Promise<
  {
    answer: Answer | null;
    copies: number;
    rttMs: number;
    release: () => void;
  }
> {
  const { options, transport } = context;
  const deadlines = context.deadlines ??= new Deadlines();
  let settle: (answer: Answer) => void = () => {};
  const answered = new Promise<Answer>((r) => settle = r);
  const nonce = packet.subarray(OFF_NONCE, OFF_NONCE + NONCE_LEN);
  const stop = transport.expect(nonce, ({ packet: reply }) => {
    if (output !== undefined && isOutputMessage(reply)) {
      output.take(reply);
      return true; // counted by the collector when it fails
    }
    const verified = verify(reply);
    if (verified !== null) {
      settle({ reply: verified, at: performance.now(), wall: Date.now() });
    }
    return verified !== null;
  });
  let sentAt = 0;
  let copies = 0;
  let keep = false;
  try {
    while (copies <= options.retries) {
      sentAt = performance.now();
      await send(transport, target, packet);
      copies++;
      const answer = await deadlines.within(answered, options.timeoutMs);
      if (answer !== null) {
        keep = output !== undefined;
        return { answer, copies, rttMs: answer.at - sentAt, release: stop };
      }
      // ICMP port unreachable: nothing listens, stop resending.
      if (transport.isClosed(target.address, target.port)) break;
      if (diagnose && copies === 1) {
        await transport.sendConnected(
          packet,
          target.address,
          target.port,
          target.family,
        );
      }
    }
  } finally {
    if (!keep) stop();
  }
  return { answer: null, copies, rttMs: 0, release: () => {} };
}

/**
 * Send the request (identical bytes on silence) until an ack or refusal
 * verifies. A FUTURE refusal allows one new request, stamped from the
 * refusal's boot id and clock.
 */
async function untilAnswered(
  context: Context,
  target: Target,
  serverAddress: string,
  result: HostResult,
  clock: ServerClock,
  key: HostKey,
): Promise<HostResult> {
  const { options } = context;
  let attempts = 0;
  for (let round = 1; round <= 2; round++) {
    const request = newRequest(
      options.keys,
      true,
      clock,
      key,
      options.wantOutput,
    );
    if (options.safeReboot) {
      request.safeReboot = true;
      request.onlyIfSynced = options.onlyIfSynced ?? false;
    }
    const packet = createRequest(key.key, { ...request, serverAddress });
    // The output key follows the request's key mode (its key id says which A).
    const collector = options.wantOutput
      ? new OutputCollector(() =>
        outputKey(key.key, { request: packet, serverAddress })
      )
      : undefined;
    const { answer, copies, rttMs, release } = await sendUntilReply(
      context,
      target,
      packet,
      (reply) => verifyReply(key.key, reply, { serverAddress, request }),
      collector,
    );
    attempts += copies;
    result.attempts = attempts;
    if (answer === null) return noReply(context, target, result, "request");
    const reply = answer.reply;
    if (reply.type === "ack") {
      const output = collector === undefined ? undefined : await outputOf(
        context,
        reply as Reply & { type: "ack" },
        collector,
      ).finally(release);
      return {
        ...result,
        outcome: "acked",
        statuses: reply.statuses,
        repeat: reply.repeat,
        rttMs,
        output,
      };
    }
    release();
    if (reply.type !== "refusal") break;
    clock = clockFrom(answer, rttMs);
    result.clockOffsetMs = clock.offsetMs;
    // A refusal answers one of identical copies: ours, or one that someone
    // on the path made and held back until the state moved on (another
    // request accepted, a reload). Only FUTURE proves that none ran (within
    // one state the server's clock only grows: every earlier copy was ahead
    // too); after any other refusal, even of a request sent once, a copy
    // may have run.
    const neverRan = reply.reason === RefusalReason.FUTURE;
    if (!neverRan || round === 2 || !await laterThan(request, clock, options)) {
      return {
        ...result,
        outcome: "refused",
        rttMs,
        refusal: {
          reason: reply.reason,
          serverTime: reply.serverTime,
          clockOffsetMs: clock.offsetMs,
          mayHaveRun: !neverRan,
        },
      };
    }
    result.restamped = true;
  }
  return { ...result, error: "unexpected reply" };
}

/**
 * After the ack of a request that asked for output: collect it when the
 * ack says it follows, or when a re-ack's first copy was ours (its output
 * came to this socket); else say why none comes.
 */
async function outputOf(
  context: Context,
  ack: Reply & { type: "ack" },
  collector: OutputCollector,
): Promise<HostOutput> {
  const follows = ack.output === "follows" ||
    (ack.repeat && collector.started);
  if (!follows) {
    if (ack.output === "busy") return { state: "busy" };
    return { state: ack.repeat ? "elsewhere" : "off" };
  }
  // The request's waiter still feeds the collector (see sendUntilReply).
  const { options } = context;
  await collector.collect(
    outputWait(options.keys, options.timeoutMs, options.safeReboot),
  );
  return { state: "received", report: collector.report() };
}

/**
 * Waits, if need be, until a new request stamped from `clock` is later than
 * `refused`: a request refused as FUTURE raised the server's floor to its
 * time, so a new one at or below it would be refused as a replay. False
 * when that is further off than the run's time budget for one host.
 */
async function laterThan(
  refused: RequestInfo,
  clock: ServerClock,
  options: Options,
): Promise<boolean> {
  const wait = refused.timestamp + 1 - clock.stamp();
  if (wait <= 0) return true;
  if (wait > options.timeoutMs * (options.retries + 1)) return false;
  await new Promise((r) => setTimeout(r, wait));
  return true;
}

/** The result for silence after every copy of a probe or a request. */
function noReply(
  context: Context,
  target: Target,
  result: HostResult,
  stage: "probe" | "request",
): HostResult {
  const { options, transport } = context;
  const ignored = transport.ignored.get(`${target.address} ${target.port}`);
  return {
    ...result,
    attempts: stage === "probe" ? 0 : result.attempts,
    probes: stage === "probe" ? options.retries + 1 : undefined,
    outcome: "no-reply",
    stage,
    waitedMs: options.timeoutMs,
    ignored,
  };
}
