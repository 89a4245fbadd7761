/**
 * `--output DIR`: each host's output in DIR/HOST.log, escaped as on the
 * terminal (see cli/escape.ts), created with mode 0600 (task names, paths
 * and addresses are not for every local user). `node:fs` serves Deno, the
 * bundle under Node and the binary alike.
 *
 * @module
 */

import { UsageError } from "./args.ts";
import type { HostOutput } from "./output_channel.ts";
import { outputText } from "./output_view.ts";

/**
 * Make sure DIR is a directory this user can write to, creating it (mode
 * 0700) if missing: checked before anything is sent.
 *
 * @throws {UsageError} saying what is wrong with DIR.
 */
export async function prepareOutputDir(dir: string): Promise<void> {
  const fs = await import("node:fs/promises");
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const info = await fs.stat(dir);
    if (!info.isDirectory()) {
      throw Object.assign(new Error(), { code: "ENOTDIR" });
    }
    // Writable? Try it (access(2) would need --allow-sys under Deno).
    const probe = `${dir}/.send_sysrq.${crypto.randomUUID()}.tmp`;
    await fs.writeFile(probe, "", { flag: "wx", mode: 0o600 });
    await fs.rm(probe);
  } catch (error) {
    throw new UsageError(`--output ${dir}: ${reason(error)}`);
  }
}

/** A file name for host `label`: its own characters where they are safe. */
export function logName(label: string): string {
  const name = label.replace(/^\[|\]/g, "").replace(/[^A-Za-z0-9._:@-]/g, "_");
  return (name === "" || /^\.+$/.test(name) ? "_" : name) + ".log";
}

/** Names already written in this run: two labels never share a file. */
const written = new Set<string>();

/**
 * Write `output` of host `label` to DIR/HOST.log (replacing an older one),
 * and record in `output` where, or why not.
 */
export async function writeHostLog(
  dir: string,
  label: string,
  output: Extract<HostOutput, { state: "received" }>,
): Promise<void> {
  const fs = await import("node:fs/promises");
  let name = logName(label);
  for (let n = 2; written.has(name); n++) {
    name = logName(label).replace(/\.log$/, `-${n}.log`);
  }
  written.add(name);
  const path = `${dir.replace(/\/+$/, "") || "/"}/${name}`;
  // A fresh file renamed over the old: mode 0600 whatever was there, and a
  // symbolic link at the name is replaced, never followed.
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await fs.writeFile(temporary, outputText(output.report), {
      flag: "wx",
      mode: 0o600,
    });
    await fs.rename(temporary, path);
    output.file = path;
  } catch (error) {
    await fs.rm(temporary, { force: true }).catch(() => {});
    output.fileError = `${path}: ${reason(error)}`;
  }
}

function reason(error: unknown): string {
  const code = (error as { code?: string }).code;
  const known: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "permission denied",
    ENOTDIR: "not a directory",
    EEXIST: "exists and is not a directory",
    EROFS: "read-only file system",
    ENOSPC: "no space left on the device",
    ENOENT: "no such directory",
  };
  return known[code ?? ""] ?? (error as Error).message;
}
