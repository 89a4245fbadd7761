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
import { fromFileUrl, run } from "../_util.ts";
import {
  cachedArchive,
  moduleFiles,
  putFile,
  putModules,
  staticProgram,
} from "../_extra_initrd.ts";

/** What a virtio disk with ext4 needs, where the kernel has it as a module. */
const DISK_MODULES = ["virtio_pci", "virtio_blk", "ext4"];

function here(name: string): string {
  return fromFileUrl(new URL(`./${name}`, import.meta.url));
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
  const writer = await staticProgram(here("writer.c"), "disk-writer");
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
  return await cachedArchive("disk", kernel, inputs, async (root) => {
    putFile(root, script, "/bin/nsr-disk", 0o755);
    putFile(root, writer, "/usr/lib/nsr-disk/writer", 0o755);
    await putModules(
      root,
      modules,
      "/lib/nsr/disk/mod",
      "/lib/nsr/disk/modules",
    );
    Deno.mkdirSync(`${root}/mnt/disk`, { recursive: true });
  });
}
