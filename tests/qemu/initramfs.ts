/**
 * Builds the guest's initramfs from the installed Debian kernel image:
 * busybox-static, the netfilter and e1000 modules, both iptables variants
 * with their libraries and extensions, our xt_SYSRQ.ko and libxt_SYSRQ.so
 * (when built), and the guest init script. The archive is cached in
 * tests/.work/ under a hash of every input, so a second run costs nothing.
 *
 * @module
 */

import { defaultKernel, kernelTraits } from "./kernels.ts";
import { fromFileUrl, repoRoot, run, sha256Hex, workDir } from "./_util.ts";

/**
 * Kernel modules the guest loads at boot, in this order after their
 * dependencies (computed with modinfo). nf_tables and nft_compat serve
 * iptables-nft; xt_LOG is the stock target the harness tests itself with;
 * xt_multiport is a destination-port match the SYSRQ rule check accepts.
 * The legacy tables exist only on kernels that offer legacy iptables.
 */
export function guestModules(kernel: string): string[] {
  const legacy = kernelTraits(kernel).legacyIptables;
  return [
    "e1000",
    "x_tables",
    ...(legacy ? ["ip_tables", "iptable_filter"] : []),
    "xt_tcpudp",
    "xt_multiport",
    ...(legacy ? ["ip6_tables", "ip6table_filter"] : []),
    "nfnetlink",
    "nf_tables",
    "nft_compat",
    "nf_log_syslog",
    "xt_LOG",
  ];
}

/** iptables front ends, all served by the two xtables multi binaries. */
const IPTABLES_NAMES = [
  "iptables",
  "ip6tables",
  "iptables-save",
  "ip6tables-save",
  "iptables-restore",
  "ip6tables-restore",
];

/** What to put in the archive. */
export interface InitramfsOptions {
  /** Kernel image version (a directory under /lib/modules). */
  kernel?: string;
  /** Our target module built for that kernel; omitted when not built yet. */
  sysrqModule?: string;
  /** Our iptables extension; omitted when not built yet. */
  sysrqExtension?: string;
}

/** The built archive and what it holds. */
export interface Initramfs {
  path: string;
  kernel: string;
  kernelImage: string;
  hasSysrqModule: boolean;
  hasSysrqExtension: boolean;
}

/** Finds the kernel image file for a version, or throws what to install. */
export function kernelImage(kernel: string): string {
  const path = `/boot/vmlinuz-${kernel}`;
  try {
    Deno.statSync(path);
  } catch {
    throw new Error(
      `kernel image ${path} is missing; install it: ` +
        `apt-get install linux-image-${kernel}`,
    );
  }
  return path;
}

/** Resolves a module's file and its dependencies, dependencies first. */
async function moduleClosure(
  kernel: string,
  names: string[],
): Promise<{ name: string; file: string }[]> {
  const ordered: { name: string; file: string }[] = [];
  const seen = new Set<string>();
  const visit = async (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const depends = await run(["modinfo", "-k", kernel, "-F", "depends", name]);
    for (const dep of depends.trim().split(",").filter(Boolean)) {
      await visit(dep);
    }
    // "softdep: pre: crc32c" (libcrc32c): load the named modules first too.
    const softdep = await run(["modinfo", "-k", kernel, "-F", "softdep", name]);
    const pre = softdep.match(/pre:\s*([^:]*?)(\s+post:|$)/);
    for (const dep of pre ? pre[1].trim().split(/\s+/).filter(Boolean) : []) {
      await visit(dep);
    }
    // An alias (crc32c) may name several modules: take the generic one,
    // since TCG's CPU lacks the instructions the accelerated ones need.
    const files = (await run(["modinfo", "-k", kernel, "-F", "filename", name]))
      .trim().split("\n").filter((f) => f.startsWith("/"));
    const file = files.find((f) => f.includes("generic")) ?? files[0];
    if (file) {
      const base = file.slice(file.lastIndexOf("/") + 1).replace(/\.ko$/, "");
      ordered.push({ name: base, file });
    }
  };
  for (const name of names) await visit(name);
  return ordered;
}

/** The shared libraries (by real path) that an ELF file needs. */
async function libraries(elf: string): Promise<string[]> {
  const out = await run(["ldd", elf]).catch(() => "");
  const libs: string[] = [];
  for (const line of out.split("\n")) {
    const m = line.match(/(\/\S+)\s+\(0x/);
    if (m) libs.push(m[1]);
  }
  return libs;
}

/** Fingerprint of a file for the cache key: path, size, mtime. */
function stamp(path: string): string {
  const st = Deno.statSync(path);
  return `${path}:${st.size}:${st.mtime?.getTime()}`;
}

/**
 * Builds (or reuses) the initramfs for `options` and returns its path.
 * Throws with the install command when a needed host package is missing.
 */
export async function buildInitramfs(
  options: InitramfsOptions = {},
): Promise<Initramfs> {
  const kernel = options.kernel ?? defaultKernel();
  const image = kernelImage(kernel);
  const busybox = "/bin/busybox";
  const initScript = fromFileUrl(new URL("./guest/init.sh", import.meta.url));
  const nsrScript = fromFileUrl(new URL("./guest/nsr.sh", import.meta.url));
  // What our module links against (the ChaCha20-Poly1305 library where
  // the kernel has it) is loaded at boot too, as modprobe would.
  const sysrqDeps = options.sysrqModule
    ? (await run(["modinfo", "-F", "depends", options.sysrqModule]))
      .trim().split(",").filter(Boolean)
    : [];
  const modules = await moduleClosure(kernel, [
    ...guestModules(kernel),
    ...sysrqDeps,
  ]);
  const xtablesDir = "/usr/lib/x86_64-linux-gnu/xtables";
  const extensions = [...Deno.readDirSync(xtablesDir)]
    .filter((e) => e.name.endsWith(".so"))
    .map((e) => `${xtablesDir}/${e.name}`)
    .sort();
  const multis = [
    "/usr/sbin/xtables-legacy-multi",
    "/usr/sbin/xtables-nft-multi",
  ];
  const libs = new Set<string>();
  for (const elf of [...multis, ...extensions]) {
    for (const lib of await libraries(elf)) libs.add(lib);
  }
  const optional = [options.sysrqModule, options.sysrqExtension]
    .filter((p): p is string => p !== undefined);

  const inputs = [
    busybox,
    initScript,
    nsrScript,
    ...modules.map((m) => m.file),
    ...multis,
    ...extensions,
    ...libs,
    ...optional,
  ];
  const key = await sha256Hex(
    [kernel, ...inputs.map(stamp), ...optional.map((p) => `opt:${p}`)]
      .join("\n"),
  );
  const out = `${workDir()}/initramfs-${kernel}-${key.slice(0, 16)}.cpio`;
  const result: Initramfs = {
    path: out,
    kernel,
    kernelImage: image,
    hasSysrqModule: options.sysrqModule !== undefined,
    hasSysrqExtension: options.sysrqExtension !== undefined,
  };
  try {
    Deno.statSync(out);
    return result;
  } catch {
    // not cached yet: build it below
  }

  const root = await Deno.makeTempDir({ dir: workDir(), prefix: "root-" });
  try {
    for (
      const dir of [
        "bin",
        "sbin",
        "usr/sbin",
        "usr/bin",
        "proc",
        "sys",
        "dev",
        "tmp",
        "run",
        "etc",
        "lib/nsr/mod",
        "lib64",
        "lib/x86_64-linux-gnu",
        "usr/lib/x86_64-linux-gnu/xtables",
        "var/lib",
      ]
    ) Deno.mkdirSync(`${root}/${dir}`, { recursive: true });
    Deno.copyFileSync(busybox, `${root}/bin/busybox`);
    Deno.copyFileSync(initScript, `${root}/init`);
    Deno.copyFileSync(nsrScript, `${root}/bin/nsr`);
    Deno.chmodSync(`${root}/init`, 0o755);
    Deno.chmodSync(`${root}/bin/nsr`, 0o755);
    const order: string[] = [];
    for (const m of modules) {
      Deno.copyFileSync(m.file, `${root}/lib/nsr/mod/${m.name}.ko`);
      order.push(m.name);
    }
    Deno.writeTextFileSync(`${root}/lib/nsr/modules`, order.join("\n") + "\n");
    for (const multi of multis) {
      Deno.copyFileSync(multi, `${root}${multi}`);
      Deno.chmodSync(`${root}${multi}`, 0o755);
    }
    for (const name of IPTABLES_NAMES) {
      for (const variant of ["legacy", "nft"]) {
        Deno.symlinkSync(
          `xtables-${variant}-multi`,
          `${root}/usr/sbin/${name.replace(/(-|$)/, `-${variant}$1`)}`,
        );
      }
    }
    for (const ext of extensions) {
      Deno.copyFileSync(ext, `${root}${ext}`);
    }
    for (const lib of libs) {
      const dest = `${root}${lib}`;
      Deno.mkdirSync(dest.slice(0, dest.lastIndexOf("/")), { recursive: true });
      Deno.copyFileSync(await Deno.realPath(lib), dest);
    }
    if (options.sysrqModule) {
      Deno.copyFileSync(options.sysrqModule, `${root}/lib/nsr/xt_SYSRQ.ko`);
      const deps = await run([
        "modinfo",
        "-F",
        "depends",
        options.sysrqModule,
      ]);
      Deno.writeTextFileSync(`${root}/lib/nsr/xt_SYSRQ.deps`, deps.trim());
    }
    if (options.sysrqExtension) {
      Deno.copyFileSync(
        options.sysrqExtension,
        `${root}${xtablesDir}/libxt_SYSRQ.so`,
      );
    }
    Deno.writeTextFileSync(`${root}/etc/passwd`, "root:x:0:0::/:/bin/sh\n");
    const tmp = `${out}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    await run([
      "sh",
      "-c",
      `cd "${root}" && find . | LC_ALL=C sort | ` +
      `cpio -o -H newc -R 0:0 --quiet > "${tmp}"`,
    ]);
    Deno.renameSync(tmp, out);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
  pruneOld(`initramfs-${kernel}-`, out);
  return result;
}

/**
 * Removes cached archives and builds named `prefix…` other than `keep`
 * that are over ten minutes old, so tests/.work/ does not grow with every
 * edit of an input. (Young ones may belong to a run in progress.)
 */
function pruneOld(prefix: string, keep: string): void {
  const dir = workDir();
  const cutoff = Date.now() - 10 * 60_000;
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (!entry.name.startsWith(prefix) || path === keep) continue;
    try {
      if ((Deno.statSync(path).mtime?.getTime() ?? 0) < cutoff) {
        Deno.removeSync(path, { recursive: true });
      }
    } catch {
      // removed by another run meanwhile
    }
  }
}

/**
 * Our module and extension built from kernel/ for `kernel`, or undefined for
 * the parts that do not build yet. Each kernel gets a private build in
 * tests/.work/kbuild-<kernel>/ from a copy of the sources, rebuilt only
 * when a source changes, so the tree's own `make -C kernel` output (for the
 * newest image) is never touched.
 */
export async function sysrqArtifacts(
  kernel: string = defaultKernel(),
): Promise<{ module?: string; extension?: string }> {
  // NSR_KERNEL_SRC: a patched copy of kernel/, to watch a test fail when a
  // check is broken on purpose.
  const src = Deno.env.get("NSR_KERNEL_SRC") ?? `${repoRoot()}/kernel`;
  const sources = [...Deno.readDirSync(src)]
    .map((e) => e.name)
    .filter((n) => /\.(c|h)$|^Kbuild$|^Makefile$/.test(n))
    .sort();
  if (!sources.includes("Makefile")) return {};
  try {
    Deno.statSync(`/lib/modules/${kernel}/build`);
  } catch {
    throw new Error(
      `no headers for ${kernel}: apt-get install linux-headers-${kernel}`,
    );
  }
  const texts = sources.map((n) =>
    `${n}\n${Deno.readTextFileSync(`${src}/${n}`)}`
  );
  const hash = await sha256Hex(texts.join("\0"));
  // One directory per kernel and source hash, built under a temporary name
  // and renamed, so parallel test runs never see a half-built tree.
  const dest = `${workDir()}/kbuild-${kernel}-${hash.slice(0, 16)}`;
  const module = `${dest}/xt_SYSRQ.ko`;
  const extension = `${dest}/libxt_SYSRQ.so`;
  const exists = (p: string) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  };
  if (!exists(`${dest}/.source-hash`)) {
    const tmp = await Deno.makeTempDir({ dir: workDir(), prefix: "kbuild-" });
    for (const n of sources) Deno.copyFileSync(`${src}/${n}`, `${tmp}/${n}`);
    const make = [
      "make",
      "-C",
      tmp,
      `KVER=${kernel}`,
      `KDIR=/lib/modules/${kernel}/build`,
    ];
    // Build the two parts separately: one may build while the other fails.
    await run([...make, "modules"]).catch((e) => console.error(`${e}`));
    if (sources.includes("libxt_SYSRQ.c")) {
      await run([...make, "libxt_SYSRQ.so"]).catch((e) =>
        console.error(`${e}`)
      );
    }
    Deno.writeTextFileSync(`${tmp}/.source-hash`, hash);
    try {
      Deno.renameSync(tmp, dest);
    } catch {
      // another run finished the same build first
      await Deno.remove(tmp, { recursive: true });
    }
    pruneOld(`kbuild-${kernel}-`, dest);
  }
  return {
    module: exists(module) ? module : undefined,
    extension: exists(extension) ? extension : undefined,
  };
}
