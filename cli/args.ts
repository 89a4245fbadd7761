/**
 * The command line of `send_sysrq`: parsed with `node:util` parseArgs, then
 * checked, so that every bad input becomes one {@link UsageError} before
 * anything is read from the network or sent.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULT_PORT, MAX_KEYS } from "../core/constants.ts";
import type { Config } from "./config.ts";

/** Bad input from the user: printed as one line, exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** What the user asked for, checked. */
export interface Options {
  command: "send" | "check" | "keygen" | "help" | "version";
  /** SysRq keys in order (empty for commands other than send). */
  keys: string;
  /** Host arguments as typed (hosts-file lines are added later). */
  hosts: string[];
  hostsFile?: string;
  /** -i FILE (else the config's): an Ansible inventory HOSTs name into. */
  inventory?: string;
  passwordFile?: string;
  /** --admin-secret FILE (else the config's): server-key mode. */
  adminSecretFile?: string;
  /** --admin-passphrase (or the config's): the admin secret from a passphrase. */
  adminPassphrase: boolean;
  /** --identity NAME: the one host's server-key identity. */
  identity?: string;
  /** --key-mode: every host's key mode, over the inventory's. */
  keyMode?: "server" | "password";
  /** keygen --server NAME: print that server's key and install lines. */
  server?: string;
  /** keygen --password: a password (password mode), not an admin secret. */
  password: boolean;
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
  /** --dry-run --packet: also the request's bytes (never accepted). */
  packet: boolean;
  /** --yes: send harmful keys without asking. */
  yes: boolean;
  /** KEYS came with --keys: not checked for being a host name. */
  keysNamed: boolean;
  /** -q: -1 (results only on failure), 0, -v: 1 (more detail). */
  verbosity: -1 | 0 | 1;
  /** -4 or -6: resolve names to this family only. */
  family?: 4 | 6;
  /** --source ADDR: send from this local address. */
  source?: string;
  /** --config FILE (else the XDG file). */
  configFile?: string;
  /** keygen -o FILE. */
  output?: string;
  /**
   * Ask each host for what its keys print (with an ack, unless --no-output,
   * or KEYS hold b, o or c): shown under its result.
   */
  wantOutput: boolean;
  /** --output DIR (when sending): each host's output in DIR/HOST.log. */
  outputDir?: string;
  /** --safe-reboot: one request b that syncs, freezes, then reboots. */
  safeReboot?: boolean;
  /** --only-if-synced: with --safe-reboot, no reboot unless synced. */
  onlyIfSynced?: boolean;
}

/** SysRq keys the kernel's key table knows (drivers/tty/sysrq.c). */
const KNOWN_KEYS = /^[0-9a-z]$/;
const DEFAULTS = { timeoutMs: 1000, retries: 2, concurrency: 128 };

const OPTIONS = {
  "password-file": { type: "string" },
  inventory: { type: "string", short: "i" },
  "admin-secret": { type: "string" },
  "admin-passphrase": { type: "boolean" },
  "key-mode": { type: "string" },
  identity: { type: "string" },
  server: { type: "string" },
  password: { type: "boolean" },
  port: { type: "string", short: "p" },
  "server-address": { type: "string" },
  timeout: { type: "string" },
  retries: { type: "string" },
  "no-ack": { type: "boolean" },
  "no-output": { type: "boolean" },
  "safe-reboot": { type: "boolean" },
  "only-if-synced": { type: "boolean" },
  legacy: { type: "boolean" },
  "hosts-file": { type: "string" },
  concurrency: { type: "string" },
  json: { type: "boolean" },
  "dry-run": { type: "boolean" },
  packet: { type: "boolean" },
  yes: { type: "boolean", short: "y" },
  keys: { type: "string", short: "k" },
  check: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  verbose: { type: "boolean", short: "v" },
  ipv4: { type: "boolean", short: "4" },
  ipv6: { type: "boolean", short: "6" },
  source: { type: "string" },
  config: { type: "string" },
  output: { type: "string", short: "o" },
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
export function parseOptions(argv: string[], config: Config = {}): Options {
  let parsed;
  try {
    parsed = parseWithTokens(argv);
  } catch (error) {
    throw new UsageError(plainParseError(error));
  }
  const { values, tokens } = parsed;
  const positionals = [...parsed.positionals];
  const legacy = takeLegacyHash(values, tokens, positionals);
  const base = commonOptions(values, legacy, config);
  if (values.help) return { ...base, command: "help" };
  if (values.version) return { ...base, command: "version" };
  if (positionals[0] === "keygen") {
    return keygenOptions(base, values, positionals);
  }
  for (const name of ["server", "password"] as const) {
    if (values[name] !== undefined) {
      throw new UsageError(`--${name} is for keygen only`);
    }
  }
  checkFamily(values);
  if (values.check) {
    if (values.output !== undefined || values["no-output"]) {
      throw new UsageError(
        "--output and --no-output conflict with --check: no key is sent",
      );
    }
    return checkOptions(base, values, positionals, legacy, config);
  }
  const safe = safeRebootOf(values, legacy);
  const named = values.keys !== undefined;
  const [keys, ...hosts] = safe
    ? ["b", ...positionals]
    : named
    ? [values.keys!, ...positionals]
    : positionals;
  if (keys === undefined) throw new UsageError("no keys given (see --help)");
  checkKeys(keys);
  if (hosts.length === 0 && values["hosts-file"] === undefined) {
    throw new UsageError(
      "no hosts given: name at least one HOST (or inventory host or group)" +
        " or --hosts-file",
    );
  }
  if (values.packet && (!values["dry-run"] || legacy !== undefined)) {
    throw new UsageError(
      "--packet goes with --dry-run, and not with --legacy (a legacy request cannot be made harmless)",
    );
  }
  checkConflicts(values, legacy);
  checkOutput(base, values);
  return {
    ...base,
    command: "send",
    keys,
    hosts,
    outputDir: values.output,
    // After b, o or c the machine goes down before anything is printed back
    // (a safe reboot's steps come back before its reboot).
    wantOutput: base.wantOutput && (safe || !/[boc]/.test(keys)),
    ...(safe
      ? { safeReboot: true, onlyIfSynced: values["only-if-synced"] === true }
      : {}),
  };
}

/**
 * --safe-reboot (and --only-if-synced, which needs it): one request `b` with
 * an ack, so not with KEYS, --keys, --no-ack, --legacy or --dry-run.
 */
function safeRebootOf(values: Values, legacy: Options["legacy"]): boolean {
  if (!values["safe-reboot"]) {
    if (values["only-if-synced"]) {
      throw new UsageError("--only-if-synced goes with --safe-reboot");
    }
    return false;
  }
  if (values.keys !== undefined) {
    throw new UsageError("--safe-reboot sends b itself: give no --keys");
  }
  if (values["no-ack"] || legacy !== undefined || values["dry-run"]) {
    throw new UsageError(
      "--safe-reboot conflicts with --no-ack, --legacy and --dry-run: it needs the ack",
    );
  }
  return true;
}

/** Options keygen takes (with --server, also -i to find the identity). */
const KEYGEN_OPTIONS = new Set([
  "output",
  "server",
  "password",
  "admin-secret",
  "admin-passphrase",
  "inventory",
  "config",
]);

function keygenOptions(base: Options, values: Values, positionals: string[]) {
  const others = Object.keys(values).filter((name) =>
    !KEYGEN_OPTIONS.has(name)
  );
  if (others.length > 0 || positionals.length > 1) {
    throw new UsageError(
      "keygen takes no arguments, and no options but -o FILE, --password," +
        " --server NAME (with --admin-secret FILE, --admin-passphrase, -i FILE)",
    );
  }
  if (values.password && values.server !== undefined) {
    throw new UsageError(
      "--password and --server conflict: a password is the same on every" +
        " server; --server prints one server's key",
    );
  }
  if (
    values.password && (values["admin-secret"] ?? values["admin-passphrase"])
  ) {
    throw new UsageError(
      "keygen --password makes a password, not a server key",
    );
  }
  if (values.server === undefined && values["admin-secret"] !== undefined) {
    throw new UsageError(
      "keygen --admin-secret FILE goes with --server NAME (to make a new" +
        " admin secret in FILE: keygen -o FILE)",
    );
  }
  return {
    ...base,
    command: "keygen" as const,
    output: values.output,
    server: values.server,
    password: values.password === true,
  };
}

/** --check: every positional is a host; the config's inventory by default. */
function checkOptions(
  base: Options,
  values: Values,
  hosts: string[],
  legacy: Options["legacy"],
  config: Config,
): Options {
  for (const name of ["keys", "dry-run", "no-ack", "yes"] as const) {
    if (values[name] !== undefined) {
      throw new UsageError(`--${name} conflicts with --check: no key is sent`);
    }
  }
  if (legacy !== undefined) {
    throw new UsageError(
      "--legacy conflicts with --check: old servers cannot be probed",
    );
  }
  // With no HOST: the inventory's every host, else the config's hosts file.
  const hostsFile = base.hostsFile ??
    (hosts.length || base.inventory ? undefined : config.hostsFile);
  if (hosts.length === 0 && hostsFile === undefined && !base.inventory) {
    throw new UsageError(
      "no hosts given: name at least one HOST, -i INVENTORY, --hosts-file," +
        " or an inventory or hosts_file in the config file",
    );
  }
  return { ...base, command: "check", hosts, hostsFile };
}

function checkFamily(values: Values): void {
  if (values.ipv4 && values.ipv6) {
    throw new UsageError("-4 and -6 conflict: give one");
  }
  if (values.quiet && values.verbose) {
    throw new UsageError("-q and -v conflict: give one");
  }
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

function commonOptions(
  values: Values,
  legacy: Options["legacy"],
  config: Config,
): Options {
  const noAck = values["no-ack"] === true || legacy !== undefined;
  if (values["admin-secret"] !== undefined && values["admin-passphrase"]) {
    throw new UsageError(
      "--admin-secret and --admin-passphrase conflict: give one",
    );
  }
  // A value from the config file is checked as if typed, naming the file.
  const from = (name: string, given: string | undefined, set?: number) =>
    given !== undefined
      ? { name, text: given }
      : set !== undefined
      ? { name: `${name} (config file)`, text: String(set) }
      : undefined;
  const port = from("--port", values.port, config.port);
  const timeout = from("--timeout", values.timeout, config.timeout);
  const retries = from("--retries", values.retries, config.retries);
  const concurrency = from(
    "--concurrency",
    values.concurrency,
    config.concurrency,
  );
  return {
    command: "send",
    keys: "",
    hosts: [],
    hostsFile: values["hosts-file"],
    passwordFile: values["password-file"] ?? config.passwordFile,
    inventory: values.inventory ?? config.inventory,
    adminSecretFile: values["admin-secret"] ??
      (values["admin-passphrase"] ? undefined : config.adminSecretFile),
    adminPassphrase: values["admin-passphrase"] === true ||
      values["admin-secret"] === undefined &&
        config.adminSecretFile === undefined &&
        config.adminPassphrase === true,
    keyMode: keyMode(values["key-mode"]),
    identity: values.identity,
    password: false,
    port: port === undefined
      ? DEFAULT_PORT
      : integer(port.name, port.text, 1, 65535),
    serverAddress: values["server-address"],
    timeoutMs: timeout === undefined
      ? DEFAULTS.timeoutMs
      : seconds(timeout.name, timeout.text),
    retries: retries === undefined
      ? DEFAULTS.retries
      : integer(retries.name, retries.text, 0, 20),
    ack: !noAck,
    wantOutput: !noAck && values["no-output"] !== true &&
      values["dry-run"] !== true,
    legacy,
    concurrency: concurrency === undefined
      ? DEFAULTS.concurrency
      : integer(concurrency.name, concurrency.text, 1, 65536),
    json: values.json === true,
    dryRun: values["dry-run"] === true,
    packet: values.packet === true,
    yes: values.yes === true,
    keysNamed: values.keys !== undefined,
    verbosity: values.quiet ? -1 : values.verbose ? 1 : 0,
    family: values.ipv4 ? 4 : values.ipv6 ? 6 : undefined,
    source: values.source,
    configFile: values.config,
  };
}

/**
 * The --config FILE of a command line, if any (read before the real parse,
 * which takes the file's defaults); a bad command line yields undefined and
 * is reported by {@link parseOptions}.
 */
export function configFileOf(argv: string[]): string | undefined {
  try {
    return parseWithTokens(argv).values.config;
  } catch {
    return undefined;
  }
}

function keyMode(text: string | undefined): Options["keyMode"] {
  if (text === undefined || text === "server" || text === "password") {
    return text;
  }
  throw new UsageError(`--key-mode must be server or password, not "${text}"`);
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

/** --output DIR and --no-output: only when an ack (and so output) can come. */
function checkOutput(base: Options, values: Values): void {
  if (values.output === undefined) return;
  if (values["no-output"]) {
    throw new UsageError("--output and --no-output conflict: give one");
  }
  if (!base.ack || base.dryRun) {
    throw new UsageError(
      "--output conflicts with --no-ack, --legacy and --dry-run: no output comes back",
    );
  }
  if (values.output === "") throw new UsageError("--output needs a directory");
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
  if (legacy !== undefined && values["key-mode"] === "server") {
    throw new UsageError(
      "--legacy conflicts with --key-mode server: the legacy format knows" +
        " only the password",
    );
  }
}

/** The `--help` text. */
export const HELP = `Usage: send_sysrq [options] KEYS HOST...
       send_sysrq [options] --keys KEYS HOST...
       send_sysrq --check [options] [HOST...]
       send_sysrq -i INVENTORY [options] KEYS HOST|GROUP...
       send_sysrq keygen [-o FILE]
       send_sysrq keygen --server NAME [-o FILE]
       send_sysrq keygen --password [-o FILE]

Send the magic SysRq KEYS (run in order, e.g. s, sub, reisub) to each HOST
with one authenticated UDP packet, and report whether each host acked.
Each host is first asked for its clock (a probe, which runs nothing): the
request is stamped from the server's clock, so this machine's clock may be
wrong. A retry resends the same packet: the keys run at most once.
HOST is a name, an IPv4 or IPv6 address, host:port or [v6]:port; a host
named twice (by name and by address) is sent once. With server keys, name
a host as its key was made (keygen --server NAME), or add --identity NAME:
an address typed as HOST is an identity of its own.

Keys that stop or damage a machine (b c o e i f k u) are sent only after
you confirm on the terminal, or with --yes. KEYS that look like a host
(keys after b, c or o; a key twice; a HOST of this run; a name that
resolves) are refused: the order is KEYS HOST.

Keys: with an admin secret, each host gets its own server key, made from
the secret and the host's identity: the name keygen --server was given.
The identity is the HOST as typed, without its port, or the inventory's
name (or netsysrq_identity): a server keyed as web1 but reached as
192.0.2.7:99 needs --identity web1, or stays silent. Without an admin
secret, the password (one for every server). A host's key mode:
--key-mode, else the inventory's netsysrq_key_mode, else server when an
admin secret is configured.
      --admin-secret FILE   the admin secret (keygen writes it); default
                            admin_secret_file of the config file, else
                            ~/.config/netsysrq/admin_secret if it exists
      --admin-passphrase    make the admin secret from a passphrase
                            (Argon2id; SYSRQ_ADMIN_PASSPHRASE, else asked)
      --key-mode MODE       server or password, for every host
      --identity NAME       the identity of the one HOST's server key,
                            when HOST is an address or another name

Password (never on the command line), first found wins:
      --password-file FILE  read it from FILE (- for stdin); one trailing
                            newline is stripped; refused if others may read it
      SYSRQ_PASSWORD        environment variable
      password_file         of the config file
      ~/.config/netsysrq/password  (keygen -o writes it)
      (prompt)              asked without echo on the terminal (/dev/tty)

Options:
  -k, --keys KEYS           the keys, named: KEYS is not checked for being
                            a host, and every argument after it is a HOST
  -y, --yes                 send harmful keys without asking
      --check               probe each host (runs no key): reachable, key
                            right, clock offset; exit 0 when all are fine
  -i, --inventory FILE      an Ansible inventory (YAML read directly, others
                            with ansible-inventory): HOSTs are its host and
                            group names; ansible_host, netsysrq_port,
                            netsysrq_identity, netsysrq_key_mode are read
  -p, --port PORT           UDP port of hosts without one (default 9)
      --server-address ADDR the address the server sees itself as (behind
                            NAT); it is part of the MAC
      --source ADDR         send from this local address
  -4, --ipv4                resolve names to IPv4 addresses only
  -6, --ipv6                resolve names to IPv6 addresses only
      --timeout SECONDS     wait this long for each reply (default 1)
      --retries N           resend the same probe or request this often
                            without a reply (default 2); never runs twice
      --no-ack              fire and forget: probe, then send the request
                            once asking for no ack (runs at most once)
      --no-output           do not ask for what the keys print (by default
                            it is shown, escaped, under each host's result;
                            never asked with b, o or c, which stop the host)
      --safe-reboot         instead of KEYS: one b that syncs, freezes and
                            then reboots on the server, each step bounded,
                            each shown as it happens
      --only-if-synced      with --safe-reboot: no reboot unless every step
                            finished in time
      --output DIR          write each host's output to DIR/HOST.log
                            (mode 0600, escaped; DIR is created if missing)
      --legacy [sha1|sha256]  xtables-addons' text format (no ack)
      --hosts-file FILE     more hosts, one per line, # comments (- = stdin)
      --concurrency N       hosts in flight at once (default 128)
      --json                one JSON object per host on stdout
      --dry-run             show what would be sent, decoded; send nothing
      --packet              with --dry-run: also each request's bytes (a
                            zero boot id: never accepted)
  -q, --quiet               print only hosts that failed, and the summary
  -v, --verbose             print each host's address, packets, round trip
                            and clock offset
      --config FILE         read defaults from FILE instead of
                            ~/.config/netsysrq/config.toml
  -o, --output FILE         keygen: write the secret to FILE (mode 0600)
      --server NAME         keygen: NAME's key id and key, and the lines
                            that install it (NAME: its identity, or an
                            inventory host with -i)
      --password            keygen: a password (password mode) instead
  -V, --version             print the version
  -h, --help                print this help

Exit status: 0 every host acked with every key run (or sent, with --no-ack,
--legacy or --dry-run; or fine, with --check); 1 some host did not; 2 usage
or bad input, nothing sent; 3 local failure; 4 declined at the prompt,
nothing sent; 130 interrupted (Ctrl-C), after a summary of what was sent.

keygen makes a new admin secret in ~/.config/netsysrq/admin_secret (or
-o FILE; only the secret on stdout when stdout is not a terminal and no
-o is given). See send_sysrq(1).
`;
