/**
 * Shared by the C harness tests and the callgrind bench: builds tests/c/
 * with make and locates its outputs and the vector files.
 *
 * @module
 */

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
