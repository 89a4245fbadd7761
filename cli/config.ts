/**
 * The configuration file: defaults an administrator sets once, in the XDG
 * place (`$XDG_CONFIG_HOME/netsysrq/config.toml`, else
 * `~/.config/netsysrq/config.toml`), or the file `--config` names. TOML,
 * read with smol-toml. The command line always wins over the file. The file
 * never holds the password itself, only where it is (`password_file`).
 *
 * @module
 */

import { UsageError } from "./args.ts";
import { reason } from "./hosts.ts";
import { env, readTextFile } from "./runtime.ts";

/** What the file may set. */
export interface Config {
  /** Read when no --password-file or SYSRQ_PASSWORD is given. */
  passwordFile?: string;
  port?: number;
  /** Seconds. */
  timeout?: number;
  retries?: number;
  concurrency?: number;
  /** The Ansible inventory HOST names are looked up in (as -i). */
  inventory?: string;
  /** The hosts file `--check` probes when no host or inventory is named. */
  hostsFile?: string;
  /** The admin secret (as --admin-secret): server-key mode. */
  adminSecretFile?: string;
  /** Make the admin secret from a passphrase (as --admin-passphrase). */
  adminPassphrase?: boolean;
}

/** Each key of the file, its field and the type it must have. */
const FIELDS: Record<
  string,
  [keyof Config, "string" | "number" | "boolean"]
> = {
  password_file: ["passwordFile", "string"],
  port: ["port", "number"],
  timeout: ["timeout", "number"],
  retries: ["retries", "number"],
  concurrency: ["concurrency", "number"],
  inventory: ["inventory", "string"],
  hosts_file: ["hostsFile", "string"],
  admin_secret_file: ["adminSecretFile", "string"],
  admin_passphrase: ["adminPassphrase", "boolean"],
};

/** `$XDG_CONFIG_HOME/netsysrq`, else `~/.config/netsysrq`; null without HOME. */
export function configDir(): string | null {
  const xdg = env("XDG_CONFIG_HOME");
  if (xdg !== undefined && xdg.startsWith("/")) return `${xdg}/netsysrq`;
  const home = env("HOME");
  return home ? `${home}/.config/netsysrq` : null;
}

/** The default password file (`keygen -o` suggests it), or null. */
export function defaultPasswordFile(): string | null {
  const dir = configDir();
  return dir === null ? null : `${dir}/password`;
}

/** The default admin secret file (`keygen` writes it), or null. */
export function defaultAdminSecretFile(): string | null {
  const dir = configDir();
  return dir === null ? null : `${dir}/admin_secret`;
}

/** `~/x` to `$HOME/x`, as a shell would; other paths as written. */
function expandHome(path: string): string {
  const home = env("HOME");
  return path.startsWith("~/") && home ? home + path.slice(1) : path;
}

/**
 * Parse the file's text; every unknown key or wrong type is an error naming
 * the file, so a typo never silently falls back to a default.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseConfig } from "./config.ts";
 * const config = await parseConfig('port = 9999\ntimeout = 0.5\n', "c.toml");
 * assert.deepEqual(config, { port: 9999, timeout: 0.5 });
 * await assert.rejects(parseConfig("prot = 9\n", "c.toml"), /unknown key prot/);
 * ```
 */
export async function parseConfig(text: string, name: string): Promise<Config> {
  const { parse } = await import("smol-toml");
  let table: Record<string, unknown>;
  try {
    table = parse(text);
  } catch (error) {
    const first = (error as Error).message.split("\n")[0];
    throw new UsageError(`config file ${name}: ${first}`);
  }
  const config: Config = {};
  for (const [key, value] of Object.entries(table)) {
    const field = FIELDS[key];
    if (field === undefined) {
      throw new UsageError(
        `config file ${name}: unknown key ${key} (known: ${
          Object.keys(FIELDS).join(", ")
        })`,
      );
    }
    const type = typeof value;
    if (type !== field[1]) {
      throw new UsageError(`config file ${name}: ${key} must be a ${field[1]}`);
    }
    const set = config as Record<string, unknown>;
    set[field[0]] = field[1] === "string" ? expandHome(value as string) : value;
  }
  return config;
}

/**
 * Read the config: the file `--config` names (it must exist), else the
 * XDG file if there is one, else no defaults.
 */
export async function loadConfig(path?: string): Promise<Config> {
  const file = path ?? (configDir() ? `${configDir()}/config.toml` : null);
  if (file === null) return {};
  let text: string;
  try {
    text = await readTextFile(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const missing = code === "ENOENT" || error instanceof Error &&
        error.name === "NotFound";
    if (path === undefined && missing) return {};
    throw new UsageError(`cannot read config file ${file}: ${reason(error)}`);
  }
  return await parseConfig(text, file);
}
