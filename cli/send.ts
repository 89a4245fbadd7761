/**
 * The sending flow of `send_sysrq` (cli/main.ts loads it only to send): check
 * every input (exit 2, nothing sent, on any problem), derive the MAC key
 * once, run each host's exchange (cli/exchange.ts), several at a time, and
 * print the results in order and a summary.
 *
 * @module
 */

import { type Options, UsageError } from "./args.ts";
import { type Context, exchange } from "./exchange.ts";
import { type HostSpec, parseHost, readHostsFile } from "./hosts.ts";
import {
  type HostResult,
  palette,
  Printer,
  succeeded,
  summary,
  wantColor,
} from "./output.ts";
import { readPassword } from "./password.ts";
import { env, isTerminal, write } from "./runtime.ts";
import { EXIT } from "./status.ts";
import { Transport } from "./transport.ts";
import { checkPassword, deriveKey, encodeAddress } from "../mod.ts";

/** Show a progress line on a terminal above this many hosts. */
const PROGRESS_ABOVE = 4;

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
  const key = await usablePassword(options, password);

  const transport = new Transport();
  try {
    const context = { options, key, password, transport };
    const started = performance.now();
    const results = await runAll(hosts, context);
    const line = summary(results, performance.now() - started) + "\n";
    write(options.json ? "stderr" : "stdout", line);
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
 * Check the password before anything is sent, by the protocol's rules, and
 * derive the MAC key (once per run); --legacy sends the password's hash
 * instead, so it needs no key.
 */
async function usablePassword(options: Options, password: string) {
  try {
    checkPassword(password);
    return options.legacy === undefined ? await deriveKey(password) : null;
  } catch (error) {
    if (!(error instanceof RangeError || error instanceof TypeError)) {
      throw error;
    }
    throw new UsageError(`unusable password: ${error.message}`);
  }
}

/**
 * Run every host's exchange, `--concurrency` at a time; the printer shows
 * each result in the order the hosts were given.
 */
async function runAll(
  hosts: HostSpec[],
  context: Context,
): Promise<HostResult[]> {
  const { options } = context;
  const results: HostResult[] = new Array(hosts.length);
  const printer = new Printer(hosts.length, {
    json: options.json,
    progress: isTerminal("stderr") && hosts.length > PROGRESS_ABOVE,
    colour: palette(wantColor(isTerminal("stdout"), env("NO_COLOR"))),
  }, write);
  let next = 0;
  const worker = async () => {
    while (next < hosts.length) {
      const index = next++;
      results[index] = await exchange(hosts[index], context);
      printer.done(index, results[index]);
    }
  };
  const workers = Math.min(options.concurrency, hosts.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}
