/**
 * Where the password comes from, in order of preference: `--password-file
 * FILE` (`-` for stdin), the `SYSRQ_PASSWORD` environment variable, or a
 * prompt without echo when stdin is a terminal. It never has to appear on
 * the command line.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { readStdin, reason } from "./hosts.ts";
import { UsageError } from "./args.ts";

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
  const env = process.env[PASSWORD_ENV];
  if (env !== undefined && env !== "") return env;
  if (process.stdin.isTTY && process.stderr.isTTY) return await prompt();
  throw new UsageError(
    `no password: use --password-file FILE, set ${PASSWORD_ENV}, or run on a terminal to be asked`,
  );
}

async function fromFile(path: string): Promise<string> {
  const name = path === "-" ? "(stdin)" : path;
  let text: string;
  try {
    text = path === "-" ? await readStdin() : readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read password file ${name}: ${reason(error)}`);
  }
  const password = stripNewline(text);
  if (password === "") throw new UsageError(`password file ${name} is empty`);
  return password;
}

/** Ask on the terminal with echo off (raw mode), Ctrl-C aborts. */
function prompt(): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write("Password: ");
  stdin.setRawMode(true);
  stdin.resume();
  let typed = "";
  return new Promise((resolve, reject) => {
    const finish = (error?: Error) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Uint8Array | string) => {
      const text = typeof chunk === "string"
        ? chunk
        : new TextDecoder().decode(chunk);
      for (const char of text) {
        if (char === "\r" || char === "\n") return finish();
        if (char === "\x03" || char === "\x04") {
          return finish(new UsageError("no password entered"));
        }
        if (char === "\x7f" || char === "\b") {
          typed = [...typed].slice(0, -1).join("");
        } else typed += char;
      }
    };
    stdin.on("data", onData);
  });
}
