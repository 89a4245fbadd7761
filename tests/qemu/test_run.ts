/**
 * Runs `deno test` as a child process, its output passed through, and reads
 * its counts from the summary line ("ok | 433 passed (309 steps) | 0 failed
 * | 3 ignored (13m17s)" or "FAILED | …"): the runner of `deno task test` (tests/run_all.ts)
 * and of `deno task test:matrix` (matrix.ts) share it.
 *
 * @module
 */

import { repoRoot } from "./_util.ts";

/** What one `deno test` run gave. */
export interface TestRun {
  passed: number;
  failed: number;
  ignored: number;
  /** Exited 0 and printed its summary. */
  ok: boolean;
  seconds: number;
  /** Names of the tests that failed. */
  failures: string[];
}

/** Runs `deno <args>` from the repository root with `env` added. */
export async function denoTest(
  args: string[],
  env: Record<string, string> = {},
): Promise<TestRun> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: repoRoot(),
    env,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of child.stdout) {
    await Deno.stdout.write(chunk);
    text += decoder.decode(chunk, { stream: true });
  }
  const { code } = await child.status;
  // Strip the colour codes deno test writes around its counts.
  // deno-lint-ignore no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  const m = [...plain.matchAll(
    /\|\s*(\d+) passed[^|]*\|\s*(\d+) failed(?:[^|]*\|\s*(\d+) ignored)?/g,
  )].at(-1);
  return {
    passed: m ? Number(m[1]) : 0,
    failed: m ? Number(m[2]) : 1,
    ignored: m?.[3] ? Number(m[3]) : 0,
    ok: code === 0 && m !== undefined,
    seconds: Math.round((performance.now() - started) / 1000),
    failures: [...plain.matchAll(/^(.+?) \.\.\. FAILED/gm)].map((f) => f[1]),
  };
}
