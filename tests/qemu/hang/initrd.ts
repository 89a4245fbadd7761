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
import { exists, fromFileUrl, run } from "../_util.ts";
import {
  cachedArchive,
  moduleFiles,
  putFile,
  putModules,
  staticProgram,
} from "../_extra_initrd.ts";

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
  const out: Record<string, string> = {};
  for (const name of PROGRAMS) {
    out[name] = await staticProgram(here(`${name}.c`), `hang-${name}`);
  }
  return out;
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
  return await cachedArchive("hang", kernel, inputs, async (root) => {
    putFile(root, script, "/bin/hang", 0o755);
    for (const [name, bin] of Object.entries(programs)) {
      putFile(root, bin, `/usr/lib/nsr-hang/${name}`, 0o755);
    }
    putFile(root, DMSETUP, "/sbin/dmsetup", 0o755);
    for (const lib of libs) putFile(root, await Deno.realPath(lib), lib, 0o755);
    await putModules(
      root,
      modules,
      "/lib/nsr/hang/mod",
      "/lib/nsr/hang/modules",
    );
    Deno.mkdirSync(`${root}/mnt/stuck`, { recursive: true });
  });
}
