/**
 * What the extra cpio archives (BootOptions.extraInitrd: hang/initrd.ts,
 * disk/initrd.ts, netfilter_initrd.ts) are built from: static programs,
 * kernel modules with their dependencies, and an archive cached in
 * tests/.work/ under a hash of its inputs.
 *
 * @module
 */

import { exists, run, sha256Hex, workDir } from "./_util.ts";

/**
 * Builds `source` with `gcc -static` once per change of its text; returns
 * the binary's path (`<prefix>-<hash>` in tests/.work/). Throws with the
 * install command when gcc or static glibc is missing.
 */
export async function staticProgram(
  source: string,
  prefix: string,
): Promise<string> {
  const hash = await sha256Hex(Deno.readTextFileSync(source));
  const bin = `${workDir()}/${prefix}-${hash.slice(0, 16)}`;
  if (exists(bin)) return bin;
  await run([
    "gcc",
    "-static",
    "-O2",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-o",
    `${bin}.tmp`,
    source,
  ]).catch((e) => {
    throw new Error(
      `${e}\n(needs gcc and static glibc: apt-get install build-essential)`,
    );
  });
  Deno.renameSync(`${bin}.tmp`, bin);
  return bin;
}

/** A kernel module: its name as insmod's list gives it, and its file. */
export interface ModuleFile {
  name: string;
  file: string;
}

/** A module's file and its dependencies' (soft ones too), deps first. */
export async function moduleFiles(
  kernel: string,
  names: string[],
): Promise<ModuleFile[]> {
  const ordered: ModuleFile[] = [];
  const seen = new Set<string>();
  const field = async (name: string, f: string) =>
    (await run(["modinfo", "-k", kernel, "-F", f, name])).trim();
  const visit = async (name: string): Promise<void> => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const dep of (await field(name, "depends")).split(",")) {
      if (dep) await visit(dep);
    }
    const pre = (await field(name, "softdep")).match(
      /pre:\s*([^:]*?)(\s+post:|$)/,
    );
    for (const dep of pre ? pre[1].trim().split(/\s+/) : []) {
      if (dep) await visit(dep);
    }
    // An alias such as crypto-crc32c names several modules: take the
    // generic one, since TCG's CPU lacks what the accelerated ones need.
    const files = (await field(name, "filename")).split("\n")
      .filter((f) => f.startsWith("/"));
    const file = files.find((f) => f.includes("generic")) ?? files[0];
    if (!file) throw new Error(`module ${name} not found for ${kernel}`);
    const base = file.slice(file.lastIndexOf("/") + 1)
      .replace(/\.ko(\.xz|\.zst|\.gz)?$/, "");
    if (!ordered.some((m) => m.name === base)) {
      ordered.push({ name: base, file });
    }
  };
  for (const name of names) await visit(name);
  return ordered;
}

/**
 * Copies a module, decompressed: busybox insmod wants a plain ELF, and
 * newer Debian images (6.12) ship modules as .ko.xz.
 */
export async function putModule(src: string, dest: string): Promise<void> {
  Deno.mkdirSync(dest.slice(0, dest.lastIndexOf("/")), { recursive: true });
  const tool = src.endsWith(".xz")
    ? "xz"
    : src.endsWith(".zst")
    ? "zstd"
    : src.endsWith(".gz")
    ? "gzip"
    : undefined;
  if (!tool) {
    Deno.copyFileSync(src, dest);
    return;
  }
  const out = await new Deno.Command(tool, {
    args: ["-dc", src],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`${tool} -dc ${src} failed (apt-get install ${tool})`);
  }
  Deno.writeFileSync(dest, out.stdout);
}

/**
 * Puts `modules` under `root` as `<dir>/<name>.ko`, and their names, one a
 * line in load order, in `list` (the guest loads them from there).
 */
export async function putModules(
  root: string,
  modules: ModuleFile[],
  dir: string,
  list: string,
): Promise<void> {
  for (const m of modules) {
    await putModule(m.file, `${root}${dir}/${m.name}.ko`);
  }
  Deno.mkdirSync(`${root}${list.slice(0, list.lastIndexOf("/"))}`, {
    recursive: true,
  });
  Deno.writeTextFileSync(
    `${root}${list}`,
    modules.map((m) => `${m.name}\n`).join(""),
  );
}

/** Copies `src` to `dest` under `root` with `mode`, making its directory. */
export function putFile(
  root: string,
  src: string,
  dest: string,
  mode: number,
): void {
  const path = `${root}${dest}`;
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  Deno.copyFileSync(src, path);
  Deno.chmodSync(path, mode);
}

/**
 * The archive `<name>-<kernel>-<hash>.cpio` in tests/.work/, keyed by the
 * path, size and mtime of each of `inputs`: reused when there, else built
 * by `fill`, which writes the archive's tree into the directory it is given.
 * Returns its path.
 */
export async function cachedArchive(
  name: string,
  kernel: string,
  inputs: string[],
  fill: (root: string) => Promise<void>,
): Promise<string> {
  const stamps = inputs.map((p) => {
    const st = Deno.statSync(p);
    return `${p}:${st.size}:${st.mtime?.getTime()}`;
  });
  const key = await sha256Hex([kernel, ...stamps].join("\n"));
  const out = `${workDir()}/${name}-${kernel}-${key.slice(0, 16)}.cpio`;
  if (exists(out)) return out;
  const root = await Deno.makeTempDir({
    dir: workDir(),
    prefix: `${name}root-`,
  });
  try {
    await fill(root);
    await run([
      "sh",
      "-c",
      `cd "${root}" && find . | LC_ALL=C sort | ` +
      `cpio -o -H newc -R 0:0 --quiet > "${out}.tmp"`,
    ]);
    Deno.renameSync(`${out}.tmp`, out);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
  return out;
}
