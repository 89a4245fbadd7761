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
import {
  checkKeysArgument,
  checkKeysNotAHost,
  confirm,
  needConfirmation,
} from "./guard.ts";
import { type HostSpec, isIP, parseHost, readHostsFile } from "./hosts.ts";
import {
  hostSpec as inventoryHost,
  type Inventory,
  readInventory,
  selectHosts,
} from "./inventory.ts";
import { planHosts, type Planned } from "./plan.ts";
import { harmfulKeys } from "./sysrq_keys.ts";
import {
  type HostResult,
  likelyCauses,
  palette,
  Printer,
  type Sink,
  succeeded,
  summary,
  wantColor,
} from "./output.ts";
import { loadRunKeys } from "./host_keys.ts";
import { env, isTerminal, onInterrupt, write } from "./runtime.ts";
import { EXIT } from "./status.ts";
import { Transport } from "./transport.ts";
import { encodeAddress, normalizeIdentity } from "../mod.ts";

/** Show a progress line on a terminal above this many hosts. */
const PROGRESS_ABOVE = 4;

/**
 * Send the request to every host the options name (or, with --dry-run, show
 * it); returns the exit status.
 */
export async function send(options: Options): Promise<number> {
  const { specs, inventory } = await hostSpecs(options);
  if (!options.keysNamed) {
    checkKeysArgument(options.keys, specs, inventory);
  }
  if (options.serverAddress !== undefined) {
    checkAddress("--server-address", options.serverAddress);
  }
  if (options.source !== undefined) checkAddress("--source", options.source);
  if (options.outputDir !== undefined) {
    const { prepareOutputDir } = await import("./output_files.ts");
    await prepareOutputDir(options.outputDir);
  }
  const tty = options.dryRun
    ? null
    : await needConfirmation(options.keys, options.yes);
  const keys = await loadRunKeys(specs, options);
  // KEYS are looked up as a host name only where a swap would do harm:
  // harmful keys, really sent (--dry-run shows each key's action instead).
  const lookUp = !options.keysNamed && !options.dryRun &&
    harmfulKeys(options.keys).length > 0;
  const [hosts] = await Promise.all([
    planHosts(specs, options),
    lookUp ? checkKeysNotAHost(options.keys) : undefined,
  ]);
  if (options.dryRun) {
    const { dryRun } = await import("./dry_run.ts");
    return await dryRun(hosts, { options, keys });
  }
  if (tty !== null) {
    const labels = hosts.map((h) => h.label);
    if (!await confirm(tty, options.keys, labels, options)) {
      write("stderr", "send_sysrq: not confirmed, nothing sent\n");
      return EXIT.DECLINED;
    }
  }
  const transport = new Transport({ source: options.source });
  try {
    const context = { options, keys, transport };
    return await runFleet(hosts, context);
  } finally {
    await transport.close();
  }
}

/** The hosts of a run, and the inventory they were named in, if any. */
export interface Fleet {
  specs: HostSpec[];
  inventory?: Inventory;
}

/**
 * The hosts of the command line (inventory host and group names, with an
 * inventory) and of the hosts file, parsed. With an inventory, a HOST that
 * is an address (or has a port) is taken as such; any other name must be
 * the inventory's: a typo is an error, never a DNS lookup. --check with no
 * HOST checks the inventory's every host.
 */
export async function hostSpecs(options: Options): Promise<Fleet> {
  const inventory = options.inventory === undefined
    ? undefined
    : await readInventory(options.inventory);
  const specs: HostSpec[] = [];
  const names = options.hosts.length === 0 && inventory !== undefined &&
      options.command === "check" && options.hostsFile === undefined
    ? ["all"]
    : options.hosts;
  // An inventory host named twice (itself and in a group) is one host.
  const chosen = new Set<string>();
  for (const name of names) {
    const plain = inventory === undefined || isAddressArgument(name) &&
        !inventory.hosts.has(name) && !inventory.groups.has(name);
    if (plain) {
      specs.push(parseHost(name, options.port));
      continue;
    }
    for (const host of selectHosts(inventory, [name])) {
      if (chosen.has(host.name)) continue;
      chosen.add(host.name);
      specs.push(inventoryHost(inventory.file, host, options.port));
    }
  }
  if (options.hostsFile !== undefined) {
    specs.push(...await readHostsFile(options.hostsFile, options.port));
  }
  if (options.identity !== undefined) {
    specs[0] = withIdentity(specs, options.identity);
  }
  return { specs, inventory };
}

/**
 * --identity NAME: the one host's server key is made for NAME (over the
 * inventory's), whatever the HOST typed. One host only: an identity names
 * one server, and a fleet's identities belong in an inventory.
 */
function withIdentity(specs: HostSpec[], identity: string): HostSpec {
  if (specs.length !== 1) {
    throw new UsageError(
      `--identity names one server's identity: give exactly one HOST, not` +
        ` ${specs.length} (for several, an inventory's netsysrq_identity)`,
    );
  }
  try {
    normalizeIdentity(identity);
  } catch (error) {
    throw new UsageError(`--identity: ${(error as Error).message}`);
  }
  return { ...specs[0], identity };
}

/** An IP address, `host:port` or `[v6]:port`: never an inventory name. */
function isAddressArgument(text: string): boolean {
  return text.includes(":") || text.startsWith("[") || isIP(text) !== 0;
}

/**
 * Run every host, print the summary; on Ctrl-C, say what was sent and what
 * was not before exiting 130.
 */
async function runFleet(hosts: Planned[], context: Context): Promise<number> {
  const { options } = context;
  const started = performance.now();
  const state = new FleetState(hosts.length);
  const out = isTerminal("stdout") ? null : new StdoutBatch();
  const sink: Sink = out?.write ?? write;
  const printer = new Printer(hosts.length, {
    json: options.json,
    progress: isTerminal("stderr") && hosts.length > PROGRESS_ABOVE,
    colour: palette(wantColor(isTerminal("stdout"), env("NO_COLOR"))),
    verbosity: options.verbosity,
  }, sink);
  let stop: (code: number) => void = () => {};
  const interrupted = new Promise<number>((r) => stop = r);
  const restore = onInterrupt(() => {
    // Results held back for the order of the hosts are printed now.
    printer.flush();
    sink("stderr", "\n" + state.interruptedText(hosts) + "\n");
    stop(EXIT.INTERRUPTED);
  });
  try {
    const finished = runAll(hosts, context, state, printer).then((results) => {
      const causes = likelyCauses(results);
      const line = summary(results, performance.now() - started) + "\n" +
        (causes ? causes + "\n" : "");
      sink(options.json ? "stderr" : "stdout", line);
      return results.every(succeeded) ? EXIT.OK : EXIT.NOT_ACKED;
    });
    return await Promise.race([finished, interrupted]);
  } finally {
    restore();
    out?.flush();
  }
}

/**
 * Lines for stdout when it is not a terminal, held until the event loop
 * turns, then written at once: one write for every result done meanwhile.
 * A write per host cost about a twentieth of the client's CPU for 10,000
 * hosts (cli/bench_fleet.ts); on a terminal each line shows at once.
 * Whatever goes to stderr through it writes the lines held first, so the
 * two streams keep their order.
 */
class StdoutBatch {
  #text = "";
  #timer: ReturnType<typeof setTimeout> | undefined;

  readonly write: Sink = (stream, text) => {
    if (stream === "stderr") {
      this.flush();
      write(stream, text);
      return;
    }
    this.#text += text;
    this.#timer ??= setTimeout(() => this.flush(), 0);
  };

  /** Write the lines held now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#text === "") return;
    const text = this.#text;
    this.#text = "";
    write("stdout", text);
  }
}

function checkAddress(option: string, address: string): void {
  try {
    encodeAddress(address);
  } catch {
    throw new UsageError(
      `${option} must be an IPv4 or IPv6 address, not "${address}"`,
    );
  }
}

/**
 * Run every host's exchange, `--concurrency` at a time; the printer shows
 * each result in the order the hosts were given.
 */
async function runAll(
  hosts: Planned[],
  context: Context,
  state: FleetState,
  printer: Printer,
): Promise<HostResult[]> {
  const { options } = context;
  const results: HostResult[] = new Array(hosts.length);
  let next = 0;
  const worker = async () => {
    while (next < hosts.length) {
      const index = next++;
      const host = hosts[index];
      state.started(index);
      results[index] = "failed" in host
        ? host.failed
        : await exchangeWith(host, context, () => state.keysGoing(index));
      if (options.outputDir !== undefined) {
        await saveOutput(results[index], options);
      }
      state.done(index, results[index]);
      printer.done(index, results[index]);
    }
  };
  const workers = Math.min(options.concurrency, hosts.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

/**
 * One host's exchange; then, if it got no reply and the port answered with
 * ICMP unreachable, say nothing listens there; and free its socket.
 */
async function exchangeWith(
  host: Extract<Planned, { spec: HostSpec }>,
  context: Context,
  keysGoing: () => void,
): Promise<HostResult> {
  const result = await exchange(host.spec, context, keysGoing);
  const { transport } = context;
  const closed = transport.unreachable.has(`${host.address} ${host.spec.port}`);
  await transport.release(host.address, host.spec.port);
  if (!closed || result.outcome !== "no-reply") return result;
  // The exchange stopped resending at the ICMP error: its counts of probes
  // and of the wait are not what was sent.
  return {
    ...result,
    portClosed: true,
    probes: undefined,
    waitedMs: undefined,
  };
}

/** --output DIR: the host's output to DIR/HOST.log, when some came. */
async function saveOutput(result: HostResult, options: Options) {
  const output = result.output;
  if (options.outputDir === undefined || output?.state !== "received") return;
  if (output.report.chunks === 0) return;
  const { writeHostLog } = await import("./output_files.ts");
  await writeHostLog(options.outputDir, result.label, output);
}

/**
 * Which hosts are done, in flight, still probing (no key sent), or not yet
 * started (for Ctrl-C).
 */
class FleetState {
  #state: ("waiting" | "probing" | "flying" | "done")[];
  #results: HostResult[] = [];

  constructor(total: number) {
    this.#state = new Array(total).fill("waiting");
  }

  started(index: number): void {
    this.#state[index] = "probing";
  }

  /** The host's keys are about to leave: from now on they may have run. */
  keysGoing(index: number): void {
    this.#state[index] = "flying";
  }

  done(index: number, result: HostResult): void {
    this.#state[index] = "done";
    this.#results.push(result);
  }

  /** What was sent and what was not, when Ctrl-C stops the run. */
  interruptedText(hosts: Planned[]): string {
    const named = (kind: string) =>
      hosts.filter((_, i) => this.#state[i] === kind).map((h) => h.label);
    const flying = named("flying");
    const probing = named("probing");
    const waiting = named("waiting");
    const lines = [
      `send_sysrq: interrupted: ${
        this.#results.length
          ? summary(this.#results, 0).replace(/ in .*?:/, ":")
          : "no host done"
      }`,
    ];
    if (flying.length) {
      lines.push(
        `  in flight, keys may have been sent (${flying.length}): ${
          flying.join(" ")
        }`,
      );
    }
    if (probing.length) {
      lines.push(
        `  no key sent, the probe unanswered (${probing.length}): ${
          probing.join(" ")
        }`,
      );
    }
    if (waiting.length) {
      lines.push(`  not sent (${waiting.length}): ${waiting.join(" ")}`);
    }
    return lines.join("\n");
  }
}
