/**
 * Which kernel the guest boots. Chosen when a guest is about to boot, never
 * when a module is imported: on a fresh machine the install step
 * (tools/install-deps.sh) puts the first kernel in /boot only after the
 * harness has been loaded, and Debian's security updates move the image's
 * number (6.1.0-N), so no version is ever written down here.
 *
 * @module
 */

/** Debian 12's own kernel line (`linux-image-amd64`): 6.1.0-N-amd64. */
const DEBIAN_12 = /^6\.1\.0-\d+-amd64$/;
/** Other Debian images (6.12 from the security suite), RT excluded. */
const DEBIAN_OTHER = /^[0-9.]+(-\d+|\+deb\d+)-amd64$/;

/** What to install when no kernel image is found. */
export const KERNEL_PACKAGES = "linux-image-amd64 linux-headers-amd64";

/** Image versions in `bootDir` (the part after `vmlinuz-`), newest first. */
export function installedImages(bootDir = "/boot"): string[] {
  let names: string[] = [];
  try {
    names = [...Deno.readDirSync(bootDir)].map((e) => e.name);
  } catch {
    // no such directory: nothing installed
  }
  return names
    .map((n) => n.match(/^vmlinuz-(.+)$/)?.[1])
    .filter((v): v is string => v !== undefined)
    .sort(newestFirst);
}

/** Orders kernel versions newest first, numerically (6.1.0-100 > 6.1.0-57). */
export function newestFirst(a: string, b: string): number {
  return b.localeCompare(a, "en", { numeric: true });
}

/**
 * The default among installed images: the newest Debian 12 6.1 image,
 * else the newest other Debian image; never a kernel built for testing
 * (6.18-debug, 7.1), which the product must not need. Undefined when
 * there is none.
 */
export function pickDefaultKernel(images: string[]): string | undefined {
  const sorted = [...images].sort(newestFirst);
  return sorted.find((v) => DEBIAN_12.test(v)) ??
    sorted.find((v) => DEBIAN_OTHER.test(v));
}

/**
 * The kernel a guest boots unless told otherwise: $NSR_KERNEL (set by
 * `deno task test:matrix`), else pickDefaultKernel() over /boot as it is
 * now. Throws what to install when there is none.
 */
export function defaultKernel(
  options: { bootDir?: string; env?: string } = {},
): string {
  const fromEnv = "env" in options ? options.env : Deno.env.get("NSR_KERNEL");
  if (fromEnv) return fromEnv;
  const bootDir = options.bootDir ?? "/boot";
  const kernel = pickDefaultKernel(installedImages(bootDir));
  if (kernel) return kernel;
  throw new Error(
    `no Debian kernel image in ${bootDir} to boot the guest with; ` +
      `as root run: apt-get install ${KERNEL_PACKAGES} ` +
      "(or bash tools/install-deps.sh), or set NSR_KERNEL to an installed one",
  );
}
