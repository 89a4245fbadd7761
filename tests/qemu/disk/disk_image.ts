/**
 * The disk benchmark's host side: makes the guest's disk image (ext4 by the
 * host's mkfs, default options) and, after the guest is gone, judges it the
 * way the next boot would meet it: `e2fsck -fn` on the image as left, the
 * journal replayed on a copy (as the kernel's mount does), then every file
 * the writer reported, read back with debugfs and compared byte for byte
 * with what writer.c wrote. Nothing is mounted on the host.
 *
 * @module
 */

import { run } from "../_util.ts";
import { runCommand } from "../../_testing.ts";

/** How the filesystem was left. */
export type FsckState =
  /** e2fsck -fn finds nothing and no journal replay is pending. */
  | "clean"
  /** Needs journal recovery (what a power cut leaves); clean after it. */
  | "journal"
  /** e2fsck -fn reports errors, after the replay if one was needed. */
  | "errors";

/** What one image held. */
export interface ImageReport {
  fsck: FsckState;
  /** Files the writer closed. */
  written: number;
  /** Of those, files whose content is complete and correct. */
  intact: number;
  /** Of those, files present with the wrong size or bytes (e.g. empty). */
  damaged: number;
  /** Of those, files not there at all. */
  missing: number;
  /** e2fsck's last lines when the state is "errors". */
  detail?: string;
}

/** Creates a fresh ext4 image of `sizeMb` MiB at `path`. */
export async function makeImage(path: string, sizeMb = 64): Promise<void> {
  const file = await Deno.open(path, {
    write: true,
    create: true,
    truncate: true,
  });
  await file.truncate(sizeMb * 1024 * 1024);
  file.close();
  await run(["mkfs.ext4", "-q", "-F", "-L", "nsrbench", path]).catch((e) => {
    throw new Error(`${e}\n(needs e2fsprogs: apt-get install e2fsprogs)`);
  });
}

const MAX_SIZE = 32768;

/** File `i`'s size, as writer.c's file_size(). */
function fileSize(i: number): number {
  return 1024 + (i * 7919) % (MAX_SIZE - 1024);
}

/** File `i`'s content, as writer.c's file_content(). */
export function fileContent(i: number): Uint8Array {
  const size = fileSize(i);
  let text = "";
  while (text.length < size) text += `nsr file ${i} byte ${text.length}\n`;
  return new TextEncoder().encode(text.slice(0, size));
}

/** The writer's name for file `i`. */
export function fileName(i: number): string {
  return `f${String(i).padStart(5, "0")}`;
}

async function e2fsck(args: string[]): Promise<{ code: number; text: string }> {
  const r = await runCommand("e2fsck", args);
  return { code: r.code, text: r.stdout + r.stderr };
}

/** Whether the superblock says a journal replay is pending. */
async function needsRecovery(path: string): Promise<boolean> {
  const out = await run(["dumpe2fs", "-h", path]);
  const features = out.match(/^Filesystem features:\s*(.*)$/m)?.[1] ?? "";
  return features.split(/\s+/).includes("needs_recovery");
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Judges the image at `path` after the guest wrote `written` files: the
 * fsck state and how many files survived. Works on a copy; the image is
 * left as it was.
 */
export async function inspectImage(
  path: string,
  written: number,
): Promise<ImageReport> {
  const work = await Deno.makeTempDir({
    dir: path.slice(0, path.lastIndexOf("/")),
    prefix: "inspect-",
  });
  try {
    const copy = `${work}/copy.img`;
    await Deno.copyFile(path, copy);
    const replay = await needsRecovery(path);
    if (replay) {
      // Only the replay, as the kernel's mount would do it: no repairs.
      await e2fsck(["-E", "journal_only", "-y", copy]);
    }
    const check = await e2fsck(["-fn", copy]);
    const fsck: FsckState = check.code !== 0
      ? "errors"
      : replay
      ? "journal"
      : "clean";
    await run(["debugfs", "-R", `rdump /nsr ${work}`, copy]);
    let intact = 0;
    let damaged = 0;
    for (let i = 0; i < written; i++) {
      let data: Uint8Array;
      try {
        data = await Deno.readFile(`${work}/nsr/${fileName(i)}`);
      } catch {
        continue;
      }
      if (equal(data, fileContent(i))) intact++;
      else damaged++;
    }
    return {
      fsck,
      written,
      intact,
      damaged,
      missing: written - intact - damaged,
      detail: fsck === "errors"
        ? check.text.trim().split("\n").slice(-6).join("\n")
        : undefined,
    };
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}
