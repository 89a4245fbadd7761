/**
 * Where the password comes from, in order of preference: `--password-file
 * FILE` (`-` for stdin), the `SYSRQ_PASSWORD` environment variable, the
 * config file's `password_file`, the default file (`keygen -o` writes
 * it), or a prompt without echo on the terminal (`/dev/tty`, as ssh and
 * sudo ask: it works with stdin a pipe). It never has to appear on the
 * command line. A password file others may read is refused, as ssh
 * refuses such a key: the secret in it is no longer only the owner's.
 *
 * @module
 */

import { reason } from "./hosts.ts";
import { UsageError } from "./args.ts";
import { defaultPasswordFile } from "./config.ts";
import { env, fileMode, readStdin, readTextFile } from "./runtime.ts";
import { openTty } from "./tty.ts";

/** The environment variable read when no password file is named. */
export const PASSWORD_ENV = "SYSRQ_PASSWORD";

/**
 * Strip one trailing newline (`\n` or `\r\n`), as left by `echo` or an
 * editor; any other whitespace is part of the password.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { stripNewline } from "./password.ts";
 * assert.equal(stripNewline("not-a-real-password\n"), "not-a-real-password");
 * assert.equal(stripNewline("two\n\n"), "two\n");
 * ```
 */
export function stripNewline(text: string): string {
  return text.replace(/\r?\n$/, "");
}

/** Read the password from the first source that is present. */
export async function readPassword(passwordFile?: string): Promise<string> {
  if (passwordFile !== undefined) return await fromFile(passwordFile);
  const fromEnv = env(PASSWORD_ENV);
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const standard = defaultPasswordFile();
  if (standard !== null && await fileMode(standard) !== null) {
    return await fromFile(standard);
  }
  const asked = await prompt();
  if (asked !== null) return asked;
  throw new UsageError(
    `no password: use --password-file FILE, set ${PASSWORD_ENV}, keep it in ${
      standard ?? "~/.config/netsysrq/password"
    }, or run on a terminal to be asked`,
  );
}

/**
 * Refuse a password file that its group or others may read (mode 0600 or
 * stricter, as ssh wants a private key).
 */
export async function checkPrivate(
  path: string,
  what = "password file",
): Promise<void> {
  const mode = await fileMode(path);
  if (mode === null || (mode & 0o077) === 0) return;
  const secret = what.replace(/ file$/, "");
  throw new UsageError(
    `${what} ${path} is readable by others (mode 0${
      mode.toString(8)
    }): run chmod 600 ${path}, and change the ${secret} if others may have read it`,
  );
}

async function fromFile(path: string): Promise<string> {
  const name = path === "-" ? "(stdin)" : path;
  if (path !== "-") await checkPrivate(path);
  let text: string;
  try {
    text = path === "-" ? await readStdin() : await readTextFile(path);
  } catch (error) {
    throw new UsageError(`cannot read password file ${name}: ${reason(error)}`);
  }
  const password = stripNewline(text);
  if (password === "") throw new UsageError(`password file ${name} is empty`);
  return password;
}

/**
 * Ask on the terminal with echo off; null with no terminal. Ctrl-D gives
 * up (exit 2), Ctrl-C interrupts (exit 130).
 */
async function prompt(): Promise<string | null> {
  const tty = await openTty();
  if (tty === null) return null;
  try {
    tty.write("Password: ");
    const typed = await tty.readSecret().finally(() => tty.write("\n"));
    if (typed === null) throw new UsageError("no password entered");
    return typed;
  } finally {
    tty.close();
  }
}
