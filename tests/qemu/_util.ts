/**
 * Small helpers shared by the QEMU harness: paths, running host commands,
 * hashing.
 *
 * @module
 */

import { hex } from "../../core/hex.ts";

/** A file URL as a path (Deno has no std path here: JSR is unreachable). */
export function fromFileUrl(url: URL): string {
  return decodeURIComponent(url.pathname);
}

/** The repository root (two levels above this file). */
export function repoRoot(): string {
  return fromFileUrl(new URL("../../", import.meta.url)).replace(/\/$/, "");
}

/** tests/.work/, git-ignored, created on first use. */
export function workDir(): string {
  const dir = `${repoRoot()}/tests/.work`;
  Deno.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs a host command and returns its stdout; throws with stderr on failure. */
export async function run(
  cmd: string[],
  options: { env?: Record<string, string> } = {},
): Promise<string> {
  const out = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    stdout: "piped",
    stderr: "piped",
    env: options.env,
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`${cmd.join(" ")} failed (${out.code}): ${err}`);
  }
  return text;
}

/** Lowercase hex SHA-256 of a string. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return hex(new Uint8Array(digest));
}

/** Whether a file or directory exists at `path`. */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** True when this process runs as root. */
export function isRoot(): boolean {
  return Deno.uid() === 0;
}

/** Whether a command is on PATH. */
export function haveCommand(name: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

export { concat } from "../../core/bytes.ts";

/** Resolves after `ms` milliseconds (for polling loops, never as a wait). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
