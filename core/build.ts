/**
 * `deno task build:core`: compile the AssemblyScript packet core
 * (core/assembly/) to core/netsysrq_core.wasm, and record beside it, in
 * `sha256sum` format, the SHA-256 of every source file and of the module.
 * The build is reproducible; core/build_test.ts rebuilds into a temporary
 * directory and fails when the committed files differ from a fresh build.
 *
 * @module
 */

import asc from "assemblyscript/asc";
import { hex } from "./hex.ts";

const CORE = new URL("./", import.meta.url);
const ENTRY = "assembly/index.ts";
const WASM = "netsysrq_core.wasm";
/** Compiler flags: the stub runtime (no allocator, no GC), fully optimized. */
export const ASC_FLAGS = ["--runtime", "stub", "-O3", "--noAssert"];

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

/** Source files of the core, relative to core/, sorted. */
export async function sourceFiles(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(new URL("assembly/", CORE))) {
    if (entry.isFile && entry.name.endsWith(".ts")) {
      names.push(`assembly/${entry.name}`);
    }
  }
  return names.sort();
}

/**
 * Compile the core into `outDir` (a directory path); returns the paths of
 * the module and of its hash file.
 */
export async function buildCore(
  outDir: string,
): Promise<{ wasm: string; sums: string }> {
  const wasm = `${outDir}/${WASM}`;
  const result = await asc.main([
    new URL(ENTRY, CORE).pathname,
    "--outFile",
    wasm,
    ...ASC_FLAGS,
  ]);
  if (result.error) {
    throw new Error(`asc failed: ${result.error.message}\n${result.stderr}`);
  }
  const lines: string[] = [];
  for (const name of await sourceFiles()) {
    const bytes = await Deno.readFile(new URL(name, CORE));
    lines.push(`${await sha256Hex(bytes)}  ${name}`);
  }
  lines.push(`${await sha256Hex(await Deno.readFile(wasm))}  ${WASM}`);
  const sums = `${wasm}.sha256`;
  await Deno.writeTextFile(sums, lines.join("\n") + "\n");
  return { wasm, sums };
}

if (import.meta.main) {
  const { wasm, sums } = await buildCore(
    new URL(".", CORE).pathname.replace(/\/$/, ""),
  );
  const size = (await Deno.stat(wasm)).size;
  console.log(`built ${wasm} (${size} bytes); hashes in ${sums}`);
}
