/**
 * The sending flow of `send_sysrq` (cli/main.ts loads it only to send): check
 * every input (exit 2, nothing sent, on any problem), derive the MAC key
 * once, then for each host, several at a time: resolve, send a request, wait
 * for a reply that verifies, resend with a fresh timestamp and nonce on
 * silence, and report.
 *
 * @module
 */

import { type Options, UsageError } from "./args.ts";
import {
  type HostSpec,
  parseHost,
  readHostsFile,
  resolve,
  type Target,
} from "./hosts.ts";
import {
  formatJson,
  formatText,
  type HostResult,
  palette,
  progressLine,
  succeeded,
  summary,
  wantColor,
} from "./output.ts";
import { readPassword } from "./password.ts";
import { env, isTerminal, write } from "./runtime.ts";
import { EXIT } from "./status.ts";
import { LocalFailure, Transport } from "./transport.ts";
import { hex } from "../core/hex.ts";
import { NONCE_LEN } from "../core/constants.ts";
import {
  createLegacyRequest,
  createRequest,
  deriveKey,
  encodeAddress,
  type MacKey,
  type Reply,
  type RequestInfo,
  verifyReply,
} from "../mod.ts";

/** Show a progress line on a terminal above this many hosts. */
const PROGRESS_ABOVE = 4;

/** Everything one host's exchange needs. */
interface Context {
  options: Options;
  /** The MAC key, or null with --legacy (which hashes the password). */
  key: MacKey | null;
  password: string;
  transport: Transport;
}

/**
 * Send the request to every host the options name (or, with --dry-run, show
 * it); returns the exit status.
 */
export async function send(options: Options): Promise<number> {
  const hosts = options.hosts.map((host) => parseHost(host, options.port));
  if (options.hostsFile !== undefined) {
    hosts.push(...await readHostsFile(options.hostsFile, options.port));
  }
  if (options.serverAddress !== undefined) checkAddress(options.serverAddress);
  const password = await readPassword(options.passwordFile);
  const key = await checkPassword(options, password);

  const transport = new Transport();
  try {
    const context = { options, key, password, transport };
    const started = performance.now();
    const results = await runAll(hosts, context);
    const line = summary(results, performance.now() - started) + "\n";
    if (options.json) write("stderr", line);
    else write("stdout", line);
    return results.every(succeeded) ? EXIT.OK : EXIT.NOT_ACKED;
  } finally {
    await transport.close();
  }
}

function checkAddress(address: string): void {
  try {
    encodeAddress(address);
  } catch {
    throw new UsageError(
      `--server-address must be an IPv4 or IPv6 address, not "${address}"`,
    );
  }
}

/**
 * Check the password before anything is sent: derive the MAC key (once per
 * run), or for --legacy build one throwaway packet, which checks it the same
 * way.
 */
async function checkPassword(options: Options, password: string) {
  try {
    if (options.legacy === undefined) return await deriveKey(password);
    await legacyPacket(options, password, "127.0.0.1");
    return null;
  } catch (error) {
    if (!(error instanceof RangeError || error instanceof TypeError)) {
      throw error;
    }
    throw new UsageError(`unusable password: ${error.message}`);
  }
}

/**
 * Handle every host, `--concurrency` at a time. Results are printed in the
 * order the hosts were given, each as soon as it and those before it are
 * done.
 */
async function runAll(
  hosts: HostSpec[],
  context: Context,
): Promise<HostResult[]> {
  const { options } = context;
  const results: HostResult[] = new Array(hosts.length);
  const colour = palette(
    wantColor(isTerminal("stdout"), env("NO_COLOR")),
  );
  const showProgress = isTerminal("stderr") &&
    hosts.length > PROGRESS_ABOVE;
  let next = 0;
  let printed = 0;
  let done = 0;

  const report = () => {
    if (showProgress) write("stderr", "\r\x1b[K");
    while (printed < hosts.length && results[printed] !== undefined) {
      const result = results[printed++];
      const line = options.json
        ? formatJson(result)
        : formatText(result, colour);
      write("stdout", line + "\n");
    }
    if (showProgress && done < hosts.length) {
      write("stderr", progressLine(done, hosts.length));
    }
  };
  const worker = async () => {
    while (next < hosts.length) {
      const index = next++;
      results[index] = await handleHost(hosts[index], context);
      done++;
      report();
    }
  };
  const workers = Math.min(options.concurrency, hosts.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

/** Resolve, build, send and (unless told not to) wait for the reply. */
async function handleHost(
  spec: HostSpec,
  context: Context,
): Promise<HostResult> {
  const { options, key, password } = context;
  const result: HostResult = {
    label: spec.label,
    port: spec.port,
    keys: options.keys,
    outcome: "error",
    attempts: 0,
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
      const packet = await legacyPacket(options, password, serverAddress);
      return await sendOnce(context, target, packet, result);
    }
    const request = newRequest(options.keys, options.ack);
    const packet = createRequest(key!, { ...request, serverAddress });
    if (options.dryRun) {
      return { ...result, outcome: "dry-run", packet: hex(packet) };
    }
    if (!options.ack) return await sendOnce(context, target, packet, result);
    return await exchange(context, target, serverAddress, result);
  } catch (error) {
    if (error instanceof LocalFailure) throw error;
    return { ...result, error: `cannot send: ${(error as Error).message}` };
  }
}

function newRequest(keys: string, ackWanted: boolean): RequestInfo {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_LEN));
  return { keys, timestamp: Date.now(), nonce, ackWanted };
}

function legacyPacket(
  options: Options,
  password: string,
  serverAddress: string,
) {
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

async function sendOnce(
  context: Context,
  target: Target,
  packet: Uint8Array,
  result: HostResult,
): Promise<HostResult> {
  if (context.options.dryRun) {
    return { ...result, outcome: "dry-run", packet: hex(packet) };
  }
  await context.transport.send(
    packet,
    target.address,
    target.port,
    target.family,
  );
  return { ...result, outcome: "sent", attempts: 1 };
}

/**
 * Send, wait, resend: every attempt is a new request (fresh timestamp and
 * nonce), and a reply to any of them counts once its MAC and echoed fields
 * verify. Anything else that comes back is ignored and counted.
 */
async function exchange(
  context: Context,
  target: Target,
  serverAddress: string,
  result: HostResult,
): Promise<HostResult> {
  const { options, key, transport } = context;
  let settle: (answer: { reply: Reply; at: number }) => void = () => {};
  const answered = new Promise<{ reply: Reply; at: number }>((r) => settle = r);
  const stops: (() => void)[] = [];
  let sentAt = 0;
  try {
    for (let attempt = 1; attempt <= options.retries + 1; attempt++) {
      const request = newRequest(options.keys, true);
      const packet = createRequest(key!, { ...request, serverAddress });
      stops.push(transport.expect(request.nonce, ({ packet: reply }) => {
        const verified = verifyReply(key!, reply, { serverAddress, request });
        if (verified !== null) {
          settle({ reply: verified, at: performance.now() });
        }
        return verified !== null;
      }));
      sentAt = performance.now();
      await transport.send(packet, target.address, target.port, target.family);
      result.attempts = attempt;
      const answer = await within(answered, options.timeoutMs);
      if (answer !== null) {
        return interpret(result, answer.reply, answer.at - sentAt);
      }
    }
  } finally {
    for (const stop of stops) stop();
  }
  const ignored = transport.ignored.get(`${target.address} ${target.port}`);
  return {
    ...result,
    outcome: "no-reply",
    waitedMs: options.timeoutMs,
    ignored,
  };
}

/** The promise's value, or null after `ms` milliseconds. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((r) =>
    timer = setTimeout(() => r(null), ms)
  );
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function interpret(
  result: HostResult,
  reply: Reply,
  rttMs: number,
): HostResult {
  if (reply.type === "ack") {
    return { ...result, outcome: "acked", statuses: reply.statuses, rttMs };
  }
  // The server stamped serverTime about half a round trip ago.
  const clockOffsetMs = Date.now() - rttMs / 2 - reply.serverTime;
  return {
    ...result,
    outcome: "refused",
    rttMs,
    refusal: {
      reason: reply.reason,
      serverTime: reply.serverTime,
      clockOffsetMs,
    },
  };
}
