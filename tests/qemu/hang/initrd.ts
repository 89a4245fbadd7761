/**
 * The hang scenarios' addition to the guest: a second cpio archive that the
 * kernel unpacks over the harness's initramfs. It holds the static C
 * programs of this directory (built with `gcc -static`), the guest helper
 * `/bin/hang`, `dmsetup` with its shared libraries, and the modules for the
 * stuck-storage case (brd, dm-mod, dm-delay, ext4 for ext2, and what they
 * need). Everything is cached in tests/.work/ under a hash of its inputs.
 *
 * @module
 */

import { defaultKernel } from "../kernels.ts";
import { exists, fromFileUrl, run, sha256Hex, workDir } from "../_util.ts";

/** The static programs, by source file in this directory. */
const PROGRAMS = ["rt_hog", "mem_hog", "chrt_fifo"];

/** Modules for the stuck-storage case; loaded in closure order. */
const STORAGE_MODULES = ["brd", "dm-mod", "dm-delay", "ext4"];

const DMSETUP = "/sbin/dmsetup";

function here(name: string): string {
  return fromFileUrl(new URL(`./${name}`, import.meta.url));
}

/**
 * Builds the static programs (once per source change) and returns their
 * paths by name. Throws with the install command when gcc is missing.
 */
export async function buildPrograms(): Promise<Record<string, string>> {
  const sources = PROGRAMS.map((p) => here(`${p}.c`));
  const hash = await sha256Hex(
    sources.map((s) => Deno.readTextFileSync(s)).join("\0"),
  );
  const dir = `${workDir()}/hang-bin-${hash.slice(0, 16)}`;
  const out: Record<string, string> = {};
  for (const [i, name] of PROGRAMS.entries()) {
    const bin = `${dir}/${name}`;
    out[name] = bin;
    if (exists(bin)) continue;
    Deno.mkdirSync(dir, { recursive: true });
    await run([
      "gcc",
      "-static",
      "-O2",
      "-Wall",
      "-Wextra",
      "-Werror",
      "-o",
      `${bin}.tmp`,
      sources[i],
    ]).catch((e) => {
      throw new Error(
        `${e}\n(needs gcc and static glibc: apt-get install build-essential)`,
      );
    });
    Deno.renameSync(`${bin}.tmp`, bin);
  }
  return out;
}

/** A module's file and its dependencies' (soft ones too), deps first. */
export async function moduleFiles(kernel: string, names: string[]) {
  const ordered: { name: string; file: string }[] = [];
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

/** The shared libraries (real paths as named by ldd) an ELF file needs. */
async function libraries(elf: string): Promise<string[]> {
  const out = await run(["ldd", elf]);
  return [...out.matchAll(/(\/\S+)\s+\(0x/g)].map((m) => m[1]);
}

/**
 * Builds (or reuses) the hang scenarios' cpio archive for `kernel` and
 * returns its path; pass it in BootOptions.extraInitrd.
 */
export async function hangInitrd(kernel = defaultKernel()): Promise<string> {
  if (!exists(DMSETUP)) {
    throw new Error("dmsetup is missing: apt-get install dmsetup");
  }
  const programs = await buildPrograms();
  const modules = await moduleFiles(kernel, STORAGE_MODULES);
  const libs = await libraries(DMSETUP);
  const script = here("hang.sh");
  const inputs = [
    here("initrd.ts"),
    script,
    DMSETUP,
    ...Object.values(programs),
    ...modules.map((m) => m.file),
    ...libs,
  ];
  const stamps = inputs.map((p) => {
    const st = Deno.statSync(p);
    return `${p}:${st.size}:${st.mtime?.getTime()}`;
  });
  const key = await sha256Hex([kernel, ...stamps].join("\n"));
  const out = `${workDir()}/hang-${kernel}-${key.slice(0, 16)}.cpio`;
  if (exists(out)) return out;

  const root = await Deno.makeTempDir({ dir: workDir(), prefix: "hangroot-" });
  try {
    const put = (src: string, dest: string, mode = 0o644) => {
      const path = `${root}${dest}`;
      Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      Deno.copyFileSync(src, path);
      Deno.chmodSync(path, mode);
    };
    put(script, "/bin/hang", 0o755);
    for (const [name, bin] of Object.entries(programs)) {
      put(bin, `/usr/lib/nsr-hang/${name}`, 0o755);
    }
    put(DMSETUP, "/sbin/dmsetup", 0o755);
    for (const lib of libs) put(await Deno.realPath(lib), lib, 0o755);
    for (const m of modules) {
      await putModule(m.file, `${root}/lib/nsr/hang/mod/${m.name}.ko`);
    }
    Deno.writeTextFileSync(
      `${root}/lib/nsr/hang/modules`,
      modules.map((m) => m.name).join("\n") + "\n",
    );
    Deno.mkdirSync(`${root}/mnt/stuck`, { recursive: true });
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
