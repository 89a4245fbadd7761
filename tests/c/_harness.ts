/**
 * Shared by the C harness tests and the callgrind bench: builds tests/c/
 * with make and locates its outputs and the vector files.
 *
 * @module
 */
import assert from "node:assert/strict";

/** This directory, tests/c/. */
export const C_DIR = new URL(".", import.meta.url).pathname;
/** Where the Makefile writes its binaries (ignored by git). */
export const OUT_DIR = new URL("../.work/c/", import.meta.url).pathname;
/** The shared vectors; NSR_VECTORS_DIR overrides it (for local drafts). */
export const VECTORS_DIR = Deno.env.get("NSR_VECTORS_DIR") ??
  new URL("../vectors/", import.meta.url).pathname;

/** Runs `make -C tests/c <target>` and throws with its output on failure. */
export async function make(target: string): Promise<void> {
  const { code, stdout, stderr } = await new Deno.Command("make", {
    args: ["-C", C_DIR, target],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    const text = new TextDecoder().decode(stdout) +
      new TextDecoder().decode(stderr);
    throw new Error(`make -C tests/c ${target} failed:\n${text}`);
  }
}

/**
 * Runs the runner `name` of OUT_DIR with `lines` on its standard input and
 * returns its output lines. It must exit 0 and answer each line with one.
 */
export async function runLines(
  name: string,
  lines: string[],
): Promise<string[]> {
  const child = new Deno.Command(`${OUT_DIR}${name}`, {
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(lines.join("\n") + "\n"));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const out = new TextDecoder().decode(stdout).trimEnd().split("\n");
  assert.equal(out.length, lines.length, `${name}: one line out per line in`);
  return out;
}

/**
 * Runs the story program `name` of OUT_DIR (replay_scenarios.c,
 * key_scenarios.c: one line `<story> <result>` each) and steps through
 * `stories`: each must print "ok", the program must exit 0 and print
 * nothing else.
 */
export async function checkStories(
  t: Deno.TestContext,
  name: string,
  stories: string[],
): Promise<void> {
  await make("scenarios");
  const { code, stdout, stderr } = await new Deno.Command(
    `${OUT_DIR}${name}`,
    { stdout: "piped", stderr: "piped" },
  ).output();
  const lines = new TextDecoder().decode(stdout).trim().split("\n");
  const results = new Map(
    lines.map((l) => [l.split(" ")[0], l.slice(l.indexOf(" ") + 1)]),
  );
  for (const story of stories) {
    await t.step(story, () => assert.equal(results.get(story), "ok"));
  }
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.equal(lines.length, stories.length, "one line per story");
}

/** The verdict enum of kernel/nsr_proto.h, name (without NSR_) to value. */
export async function verdictCodes(): Promise<Map<string, number>> {
  const header = await Deno.readTextFile(
    new URL("../../kernel/nsr_proto.h", import.meta.url),
  );
  const body = header.match(/enum nsr_verdict \{([^}]*)\}/)?.[1] ?? "";
  const codes = new Map<string, number>();
  for (const m of body.matchAll(/NSR_(\w+)\s*=\s*(\d+)/g)) {
    codes.set(m[1], Number(m[2]));
  }
  return codes;
}
