/**
 * Where the password comes from, in order of preference: `--password-file
 * FILE` (`-` for stdin), the `SYSRQ_PASSWORD` environment variable, or a
 * prompt without echo when stdin is a terminal. It never has to appear on
 * the command line.
 *
 * @module
 */

import { reason } from "./hosts.ts";
import { UsageError } from "./args.ts";
import {
  env,
  isTerminal,
  readSecretLine,
  readStdin,
  readTextFile,
  write,
} from "./runtime.ts";

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
  if (isTerminal("stdin") && isTerminal("stderr")) return await prompt();
  throw new UsageError(
    `no password: use --password-file FILE, set ${PASSWORD_ENV}, or run on a terminal to be asked`,
  );
}

async function fromFile(path: string): Promise<string> {
  const name = path === "-" ? "(stdin)" : path;
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

/** Ask on the terminal with echo off; Ctrl-C or Ctrl-D gives up. */
async function prompt(): Promise<string> {
  write("stderr", "Password: ");
  const typed = await readSecretLine();
  write("stderr", "\n");
  if (typed === null) throw new UsageError("no password entered");
  return typed;
}
