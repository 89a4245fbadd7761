/**
 * Which key each host's packets are made with (docs/PROTOCOL.md, "Keys"):
 * its own server key, made from the admin secret and the host's identity
 * (server-key mode), or the password's key (password mode). Loaded once
 * per run, before anything is sent; each host's key is made when its
 * exchange starts.
 *
 * A host's mode: `--key-mode`, else its inventory's `netsysrq_key_mode`,
 * else server when an admin secret is configured, else password. The
 * password is read only when some host needs it, the admin secret only
 * when some host uses server keys.
 *
 * @module
 */

import { type Options, UsageError } from "./args.ts";
import { defaultAdminSecretFile } from "./config.ts";
import { type HostSpec, identityOf, reason } from "./hosts.ts";
import { checkPrivate, readPassword } from "./password.ts";
import { env, fileMode, readTextFile } from "./runtime.ts";
import { openTty } from "./tty.ts";
import {
  adminSecretFromPassword,
  checkPassword,
  deriveKey,
  formatKeyId,
  keyIdOf,
  type MacKey,
} from "../mod.ts";
import { ServerKeyMaker } from "../core/server_key.ts";

/** The environment variable `--admin-passphrase` reads first. */
export const ADMIN_PASSPHRASE_ENV = "SYSRQ_ADMIN_PASSPHRASE";

/** The key a host's packets are made with. */
export interface HostKey {
  key: MacKey;
  /** 0: the password's; else the admin secret's key id. */
  keyId: number;
}

/** Everything a run needs to make each host's key. */
export interface RunKeys {
  /** The password's MAC key, when some host uses the password. */
  password: MacKey | null;
  /** The password itself (--legacy sends its hash), or "". */
  passwordText: string;
  /**
   * The admin secret, its key id and what makes each host's key from it,
   * when some host uses server keys.
   */
  admin: { secret: Uint8Array; keyId: number; maker: ServerKeyMaker } | null;
}

/** The mode a host uses in this run. */
export function modeOf(
  spec: HostSpec,
  options: Options,
  adminConfigured: boolean,
): "server" | "password" {
  if (options.legacy !== undefined) return "password";
  return options.keyMode ?? spec.keyMode ??
    (adminConfigured ? "server" : "password");
}

/**
 * Read what the hosts of this run need: the admin secret, the password, or
 * both; a host that wants a server key with no admin secret configured is
 * an error (exit 2, nothing sent).
 */
export async function loadRunKeys(
  specs: HostSpec[],
  options: Options,
): Promise<RunKeys> {
  const adminSource = await adminSecretSource(options);
  const modes = specs.map((s) => modeOf(s, options, adminSource !== null));
  const serverHost = specs.find((_, i) => modes[i] === "server");
  if (serverHost !== undefined && adminSource === null) {
    throw new UsageError(
      `${serverHost.label} uses a server key (${
        options.keyMode ? "--key-mode" : "netsysrq_key_mode"
      }) but no admin secret is configured: give --admin-secret FILE or` +
        " --admin-passphrase (send_sysrq keygen makes an admin secret)",
    );
  }
  if (options.identity !== undefined && modes[0] === "password") {
    throw new UsageError(
      `--identity is a server key's; ${specs[0].label} uses the password (${
        passwordBecause(specs[0], options)
      })`,
    );
  }
  const admin = serverHost === undefined || adminSource === null
    ? null
    : await withMaker(await loadAdminSecret(adminSource));
  const needPassword = modes.includes("password") || specs.length === 0;
  let passwordText = "";
  let password: MacKey | null = null;
  if (needPassword) {
    passwordText = await readPassword(options.passwordFile);
    password = await usablePassword(options, passwordText);
  }
  return { password, passwordText, admin };
}

/** The admin secret, with what makes each host's key from it. */
async function withMaker(admin: { secret: Uint8Array; keyId: number }) {
  return { ...admin, maker: await ServerKeyMaker.of(admin.secret) };
}

/** Why a host uses the password, for the message that refuses --identity. */
function passwordBecause(spec: HostSpec, options: Options): string {
  if (options.legacy !== undefined) return "--legacy";
  if (options.keyMode !== undefined) return "--key-mode password";
  if (spec.keyMode !== undefined) return "its netsysrq_key_mode";
  return "no admin secret is configured: give --admin-secret FILE";
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

/** This host's key: its server key, or the password's. */
export async function hostKey(
  keys: RunKeys,
  spec: HostSpec,
  options: Options,
): Promise<HostKey> {
  if (modeOf(spec, options, keys.admin !== null) === "server") {
    const admin = keys.admin!;
    return {
      key: await admin.maker.key(identityOf(spec)),
      keyId: admin.keyId,
    };
  }
  return { key: keys.password!, keyId: 0 };
}

/** How a key id is shown: 8 hex digits, or "password" for id 0. */
export function keyName(keyId: number): string {
  return keyId === 0 ? "password" : formatKeyId(keyId);
}

type AdminSource = { file: string } | { passphrase: true };

/**
 * Where the admin secret comes from: --admin-secret FILE (or the config's
 * admin_secret_file), --admin-passphrase (or the config's), else the
 * default file if it exists; null: none (password mode).
 */
export async function adminSecretSource(
  options: Options,
): Promise<AdminSource | null> {
  if (options.adminSecretFile !== undefined) {
    return { file: options.adminSecretFile };
  }
  if (options.adminPassphrase) return { passphrase: true };
  const standard = defaultAdminSecretFile();
  if (standard !== null && await fileMode(standard) !== null) {
    return { file: standard };
  }
  return null;
}

/** The admin secret and its key id. */
export async function loadAdminSecret(
  source: AdminSource,
): Promise<{ secret: Uint8Array; keyId: number }> {
  const secret = "file" in source
    ? await readAdminSecretFile(source.file)
    : await fromPassphrase();
  return { secret, keyId: await keyIdOf(secret) };
}

/**
 * The admin secret as its file holds it: 64 hex digits and a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formatAdminSecret, parseAdminSecret } from "./host_keys.ts";
 * const secret = new Uint8Array(32).fill(0xab);
 * assert.deepEqual(parseAdminSecret(formatAdminSecret(secret), "f"), secret);
 * assert.throws(() => parseAdminSecret("abc\n", "f"), /64 hex digits/);
 * ```
 */
export function formatAdminSecret(secret: Uint8Array): string {
  return [...secret].map((b) => b.toString(16).padStart(2, "0")).join("") +
    "\n";
}

/** Read an admin secret's text (see {@link formatAdminSecret}). */
export function parseAdminSecret(text: string, name: string): Uint8Array {
  const hex = text.replace(/\r?\n$/, "");
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new UsageError(
      `admin secret file ${name} must hold 64 hex digits (send_sysrq keygen` +
        " writes one); it holds something else",
    );
  }
  return Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));
}

async function readAdminSecretFile(path: string): Promise<Uint8Array> {
  await checkPrivate(path, "admin secret file");
  let text: string;
  try {
    text = await readTextFile(path);
  } catch (error) {
    throw new UsageError(
      `cannot read admin secret file ${path}: ${reason(error)}`,
    );
  }
  return parseAdminSecret(text, path);
}

/** The admin secret from a passphrase: the environment, else the terminal. */
async function fromPassphrase(): Promise<Uint8Array> {
  let passphrase = env(ADMIN_PASSPHRASE_ENV);
  if (passphrase === undefined || passphrase === "") {
    const tty = await openTty();
    if (tty === null) {
      throw new UsageError(
        `--admin-passphrase: set ${ADMIN_PASSPHRASE_ENV}, or run on a` +
          " terminal to be asked",
      );
    }
    try {
      tty.write("Admin passphrase: ");
      const typed = await tty.readSecret().finally(() => tty.write("\n"));
      if (typed === null) throw new UsageError("no passphrase entered");
      passphrase = typed;
    } finally {
      tty.close();
    }
  }
  try {
    return await adminSecretFromPassword(passphrase);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new UsageError(`unusable admin passphrase: ${error.message}`);
  }
}
