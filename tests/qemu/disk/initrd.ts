/**
 * The disk benchmark's addition to the guest: a cpio archive unpacked over
 * the harness's initramfs (BootOptions.extraInitrd) with the writer
 * (writer.c, built with `gcc -static`), the guest helper `/bin/nsr-disk`
 * (disk.sh) and the modules a virtio disk with ext4 needs on this kernel
 * (virtio_pci, virtio_blk, ext4 and their dependencies; none for the ones
 * built in). Cached in tests/.work/ under a hash of its inputs.
 *
 * @module
 */

import { defaultKernel } from "../kernels.ts";
import { moduleFiles, putModule } from "../hang/initrd.ts";
import { exists, fromFileUrl, run, sha256Hex, workDir } from "../_util.ts";

/** What a virtio disk with ext4 needs, where the kernel has it as a module. */
const DISK_MODULES = ["virtio_pci", "virtio_blk", "ext4"];

function here(name: string): string {
  return fromFileUrl(new URL(`./${name}`, import.meta.url));
}

/** The writer, built once per source change; its path. */
async function buildWriter(): Promise<string> {
  const source = here("writer.c");
  const hash = await sha256Hex(Deno.readTextFileSync(source));
  const bin = `${workDir()}/disk-writer-${hash.slice(0, 16)}`;
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

/** Those of `names` that `kernel` has as loadable modules (not built in). */
async function loadable(kernel: string, names: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const name of names) {
    const file = await run(["modinfo", "-k", kernel, "-F", "filename", name]);
    if (!file.includes("(builtin)")) out.push(name);
  }
  return out;
}

/**
 * Builds (or reuses) the disk benchmark's cpio archive for `kernel`; pass
 * its path in BootOptions.extraInitrd.
 */
export async function diskInitrd(kernel = defaultKernel()): Promise<string> {
  const writer = await buildWriter();
  const modules = await moduleFiles(
    kernel,
    await loadable(kernel, DISK_MODULES),
  );
  const script = here("disk.sh");
  const inputs = [
    here("initrd.ts"),
    script,
    writer,
    ...modules.map((m) => m.file),
  ];
  const stamps = inputs.map((p) => {
    const st = Deno.statSync(p);
    return `${p}:${st.size}:${st.mtime?.getTime()}`;
  });
  const key = await sha256Hex([kernel, ...stamps].join("\n"));
  const out = `${workDir()}/disk-${kernel}-${key.slice(0, 16)}.cpio`;
  if (exists(out)) return out;

  const root = await Deno.makeTempDir({ dir: workDir(), prefix: "diskroot-" });
  try {
    const put = (src: string, dest: string, mode: number) => {
      const path = `${root}${dest}`;
      Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      Deno.copyFileSync(src, path);
      Deno.chmodSync(path, mode);
    };
    put(script, "/bin/nsr-disk", 0o755);
    put(writer, "/usr/lib/nsr-disk/writer", 0o755);
    for (const m of modules) {
      await putModule(m.file, `${root}/lib/nsr/disk/mod/${m.name}.ko`);
    }
    Deno.mkdirSync(`${root}/lib/nsr/disk`, { recursive: true });
    Deno.writeTextFileSync(
      `${root}/lib/nsr/disk/modules`,
      modules.map((m) => `${m.name}\n`).join(""),
    );
    Deno.mkdirSync(`${root}/mnt/disk`, { recursive: true });
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
