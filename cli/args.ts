/**
 * The command line of `send_sysrq`: parsed with `node:util` parseArgs, then
 * checked, so that every bad input becomes one {@link UsageError} before
 * anything is read from the network or sent.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULT_PORT, MAX_KEYS } from "../core/constants.ts";

/** Bad input from the user: printed as one line, exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** What the user asked for, checked. */
export interface Options {
  command: "send" | "keygen" | "help" | "version";
  /** SysRq keys in order (empty for commands other than send). */
  keys: string;
  /** Host arguments as typed (hosts-file lines are added later). */
  hosts: string[];
  hostsFile?: string;
  passwordFile?: string;
  port: number;
  serverAddress?: string;
  timeoutMs: number;
  retries: number;
  /** False with --no-ack or --legacy: send once, expect no reply. */
  ack: boolean;
  legacy?: "sha1" | "sha256";
  concurrency: number;
  json: boolean;
  dryRun: boolean;
}

/** SysRq keys the kernel's key table knows (drivers/tty/sysrq.c). */
const KNOWN_KEYS = /^[0-9a-z]$/;
const DEFAULTS = { timeoutMs: 1000, retries: 2, concurrency: 128 };

const OPTIONS = {
  "password-file": { type: "string" },
  port: { type: "string", short: "p" },
  "server-address": { type: "string" },
  timeout: { type: "string" },
  retries: { type: "string" },
  "no-ack": { type: "boolean" },
  legacy: { type: "boolean" },
  "hosts-file": { type: "string" },
  concurrency: { type: "string" },
  json: { type: "boolean" },
  "dry-run": { type: "boolean" },
  version: { type: "boolean", short: "V" },
  help: { type: "boolean", short: "h" },
} as const;

/** Every long option the parser accepts (the man page test compares). */
export const OPTION_NAMES: readonly string[] = Object.keys(OPTIONS);

type Values = ReturnType<typeof parseWithTokens>["values"];

function parseWithTokens(argv: string[]) {
  return parseArgs({
    args: argv,
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
    tokens: true,
  });
}

/**
 * Parse and check the arguments (without the program name).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseOptions } from "./args.ts";
 * const options = parseOptions(["--port", "9999", "sub", "192.0.2.7"]);
 * assert.equal(options.keys, "sub");
 * assert.equal(options.port, 9999);
 * assert.deepEqual(options.hosts, ["192.0.2.7"]);
 * ```
 */
export function parseOptions(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseWithTokens(argv);
  } catch (error) {
    throw new UsageError(plainParseError(error));
  }
  const { values, tokens } = parsed;
  const positionals = [...parsed.positionals];
  const legacy = takeLegacyHash(values, tokens, positionals);
  const base = commonOptions(values, legacy);
  if (values.help) return { ...base, command: "help" };
  if (values.version) return { ...base, command: "version" };
  if (positionals[0] === "keygen") {
    if (positionals.length > 1 || argv.length > 1) {
      throw new UsageError("keygen takes no other arguments or options");
    }
    return { ...base, command: "keygen" };
  }
  const [keys, ...hosts] = positionals;
  if (keys === undefined) throw new UsageError("no keys given (see --help)");
  checkKeys(keys);
  if (hosts.length === 0 && values["hosts-file"] === undefined) {
    throw new UsageError(
      "no hosts given: name at least one HOST or --hosts-file",
    );
  }
  checkConflicts(values, legacy);
  return { ...base, command: "send", keys, hosts };
}

/** parseArgs' messages run over several lines; keep the first, unquoted. */
function plainParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0].split(". To specify")[0].replace(/'/g, "");
}

/**
 * `--legacy` takes an optional hash name: when the argument right after it is
 * `sha1` or `sha256`, that is the hash, not the KEYS.
 */
function takeLegacyHash(
  values: Values,
  tokens: ReturnType<typeof parseWithTokens>["tokens"],
  positionals: string[],
): "sha1" | "sha256" | undefined {
  if (!values.legacy) return undefined;
  const flag = tokens.find((t) => t.kind === "option" && t.name === "legacy");
  const next = tokens.find((t) =>
    t.kind === "positional" && flag !== undefined && t.index === flag.index + 1
  );
  if (next?.kind === "positional" && /^sha(1|256)$/.test(next.value)) {
    positionals.splice(positionals.indexOf(next.value), 1);
    return next.value as "sha1" | "sha256";
  }
  return "sha1";
}

function commonOptions(values: Values, legacy: Options["legacy"]): Options {
  const noAck = values["no-ack"] === true || legacy !== undefined;
  return {
    command: "send",
    keys: "",
    hosts: [],
    hostsFile: values["hosts-file"],
    passwordFile: values["password-file"],
    port: values.port === undefined
      ? DEFAULT_PORT
      : integer("--port", values.port, 1, 65535),
    serverAddress: values["server-address"],
    timeoutMs: values.timeout === undefined
      ? DEFAULTS.timeoutMs
      : seconds("--timeout", values.timeout),
    retries: values.retries === undefined
      ? DEFAULTS.retries
      : integer("--retries", values.retries, 0, 20),
    ack: !noAck,
    legacy,
    concurrency: values.concurrency === undefined
      ? DEFAULTS.concurrency
      : integer("--concurrency", values.concurrency, 1, 65536),
    json: values.json === true,
    dryRun: values["dry-run"] === true,
  };
}

function integer(name: string, text: string, min: number, max: number) {
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new UsageError(
      `${name} must be a whole number from ${min} to ${max}, not "${text}"`,
    );
  }
  return value;
}

function seconds(name: string, text: string): number {
  const value = /^[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : NaN;
  if (!(value >= 0.01 && value <= 600)) {
    throw new UsageError(
      `${name} must be seconds from 0.01 to 600, not "${text}"`,
    );
  }
  return Math.round(value * 1000);
}

/** Check KEYS: 1..16 keys the kernel knows, each printable. */
export function checkKeys(keys: string): void {
  if (keys.length === 0) throw new UsageError("no keys given (KEYS is empty)");
  for (const key of keys) {
    if (!KNOWN_KEYS.test(key)) {
      throw new UsageError(
        `unknown SysRq key ${describeKey(key)}: keys are 0-9 and a-z`,
      );
    }
  }
  if (keys.length > MAX_KEYS) {
    throw new UsageError(
      `too many keys: ${keys.length} given, at most ${MAX_KEYS} per request`,
    );
  }
}

function describeKey(key: string): string {
  const code = key.codePointAt(0) ?? 0;
  const printable = code > 0x20 && code < 0x7f;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return printable ? `"${key}"` : `${hex} (not printable)`;
}

function checkConflicts(values: Values, legacy: Options["legacy"]): void {
  // --no-ack still waits for the probe's answer; --legacy waits for nothing.
  if (legacy !== undefined) {
    for (const name of ["timeout", "retries"] as const) {
      if (values[name] !== undefined) {
        throw new UsageError(
          `--${name} conflicts with --legacy: no reply is awaited`,
        );
      }
    }
  }
  if (values["password-file"] === "-" && values["hosts-file"] === "-") {
    throw new UsageError(
      "--password-file - and --hosts-file - cannot both read stdin",
    );
  }
}

/** The `--help` text. */
export const HELP = `Usage: send_sysrq [options] KEYS HOST...
       send_sysrq keygen

Send the magic SysRq KEYS (run in order, e.g. s, sub, reisub) to each HOST
with one authenticated UDP packet, and report whether each host acked.
Each host is first asked for its clock (a probe, which runs nothing): the
request is stamped from the server's clock, so this machine's clock may be
wrong. A retry resends the same packet: the keys run at most once.
HOST is a name, an IPv4 or IPv6 address, host:port or [v6]:port.

Password (never on the command line), first found wins:
      --password-file FILE  read it from FILE (- for stdin); one trailing
                            newline is stripped
      SYSRQ_PASSWORD        environment variable
      (prompt)              asked without echo when on a terminal

Options:
  -p, --port PORT           UDP port of hosts without one (default 9)
      --server-address ADDR the address the server sees itself as (behind
                            NAT); it is part of the MAC
      --timeout SECONDS     wait this long for each reply (default 1)
      --retries N           resend the same probe or request this often
                            without a reply (default 2); never runs twice
      --no-ack              fire and forget: probe, then send the request
                            once asking for no ack (runs at most once)
      --legacy [sha1|sha256]  xtables-addons' text format (no ack)
      --hosts-file FILE     more hosts, one per line, # comments (- = stdin)
      --concurrency N       hosts in flight at once (default 128)
      --json                one JSON object per host on stdout
      --dry-run             print each host's probe as hex; send nothing
  -V, --version             print the version
  -h, --help                print this help

Exit status: 0 every host acked with every key run (or sent, with --no-ack,
--legacy or --dry-run); 1 some host did not; 2 usage or bad input, nothing
sent; 3 local failure.

keygen prints a new random password and the lines that install it on a
server. See send_sysrq(1).
`;
