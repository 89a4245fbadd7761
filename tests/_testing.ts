/**
 * Helpers shared by the tests of every part: the generated test password
 * and running a command to inspect what it printed. (Hex is the product's
 * own: core/hex.ts.)
 *
 * @module
 */

import assert from "node:assert/strict";
import { hex } from "../core/hex.ts";

/**
 * A fake password, new for each call: `test-` and 18 hex digits, safe
 * unquoted in a shell, a module parameter and a sysfs write. Never a real
 * secret, and never the same twice, so no test can lean on its value.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { testPassword } from "./_testing.ts";
 * assert.match(testPassword(), /^test-[0-9a-f]{18}$/);
 * assert.notEqual(testPassword(), testPassword());
 * ```
 */
export function testPassword(): string {
  return "test-" + hex(crypto.getRandomValues(new Uint8Array(9)));
}

/** What a finished command returned and printed. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run `cmd` with `args` to completion and return its exit code and its
 * output as text. Never throws for a non-zero exit: the test judges it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { runCommand } from "./_testing.ts";
 * const r = await runCommand("sh", ["-c", "echo out; echo err >&2; exit 3"]);
 * assert.deepEqual(r, { code: 3, stdout: "out\n", stderr: "err\n" });
 * ```
 */
export async function runCommand(
  cmd: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CommandResult> {
  const out = await new Deno.Command(cmd, {
    args,
    env: options.env,
    cwd: options.cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

/**
 * Run `cmd` like {@link runCommand} and return its standard output; an
 * exit code other than 0 fails the test with the command and all it
 * printed.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { mustRun } from "./_testing.ts";
 * assert.equal(await mustRun("sh", ["-c", "echo out"]), "out\n");
 * await assert.rejects(mustRun("sh", ["-c", "echo why >&2; exit 3"]), /why/);
 * ```
 */
export async function mustRun(
  cmd: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<string> {
  const r = await runCommand(cmd, args, options);
  assert.equal(
    r.code,
    0,
    `${cmd} ${args.join(" ")} exited ${r.code}:\n${r.stdout}${r.stderr}`,
  );
  return r.stdout;
}
