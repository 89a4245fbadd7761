/**
 * Which kernel the guest boots. Chosen when a guest is about to boot, never
 * when a module is imported: on a fresh machine the install step
 * (tools/install-deps.sh) puts the first kernel in /boot only after the
 * harness has been loaded, and Debian's security updates move the image's
 * number (6.1.0-N), so no version is ever written down here.
 *
 * @module
 */

import { exists } from "./_util.ts";

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
 * Installed kernels that Debian does not ship (the test kernels of
 * ../shared/kernels/: 6.18-debug, 7.1), with headers, newest first.
 */
export function testKernels(bootDir = "/boot"): string[] {
  return installedImages(bootDir).filter((v) =>
    !DEBIAN_12.test(v) && !DEBIAN_OTHER.test(v) && !/-rt-amd64$/.test(v) &&
    exists(`/lib/modules/${v}/build`)
  );
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

/** What the harness must know about a kernel to boot and test it. */
export interface KernelTraits {
  kernel: string;
  /**
   * Legacy iptables (ip_tables.ko, iptable_filter.ko) exists. Kernels
   * newer than 6.12 built without CONFIG_NETFILTER_XTABLES_LEGACY (always
   * so with PREEMPT_RT) offer iptables-nft only.
   */
  legacyIptables: boolean;
  /** Built with KASAN (and, in our debug flavour, lockdep, UBSAN…). */
  sanitizers: boolean;
  /** kmemleak is built in (off until booted with kmemleak=on). */
  kmemleak: boolean;
  /** The hung-task detector is built in ("blocked for more than"). */
  hungTaskDetector: boolean;
  /** Guest memory by default, MiB. */
  memoryMb: number;
  /** How long a boot may take to NSR-READY under TCG. */
  bootTimeoutMs: number;
  /** Factor for a guest command's timeout (module loads and the like). */
  slowdown: number;
  /** Kernel command line words this kernel needs in the guest. */
  bootArgs: string[];
}

/** The iptables variant to use on a kernel: legacy where it exists. */
export type IptablesVariant = "legacy" | "nft";

const traitsCache = new Map<string, KernelTraits>();

/**
 * Looks `kernel` up in its own module tree (modinfo) and its config
 * (/boot/config-V). Synchronous, so that a test file can decide which of
 * its tests apply to the kernel when it registers them.
 */
export function kernelTraits(kernel: string): KernelTraits {
  const cached = traitsCache.get(kernel);
  if (cached) return cached;
  let config = "";
  try {
    config = Deno.readTextFileSync(`/boot/config-${kernel}`);
  } catch {
    // no config installed: assume a plain kernel
  }
  const enabled = (option: string) =>
    new RegExp(`^${option}=y$`, "m").test(config);
  const sanitizers = enabled("CONFIG_KASAN");
  const traits: KernelTraits = {
    kernel,
    legacyIptables: hasModule(kernel, "ip_tables"),
    sanitizers,
    kmemleak: enabled("CONFIG_DEBUG_KMEMLEAK"),
    hungTaskDetector: enabled("CONFIG_DETECT_HUNG_TASK"),
    // KASAN's shadow, lockdep's tables and kmemleak's metadata need room;
    // measured here: the debug kernel reaches userspace in ~41 s (-smp 2),
    // Debian's in ~8 s; budgets leave room for a host shared with others.
    memoryMb: sanitizers ? 1024 : 512,
    bootTimeoutMs: sanitizers ? 300_000 : 90_000,
    slowdown: sanitizers ? 4 : 1,
    // Under TCG the debug kernel's ACPI interpreter runs the PCI routing
    // method (_PRT) past ACPICA's 30 s loop limit (seen: "AE_AML_LOOP_TIMEOUT
    // … e1000: PCI INT A: no GSI", link down): take the NIC's interrupt
    // from the BIOS's routing table instead.
    // Every kernel: on a loaded host TCG's timer can miss the IO-APIC
    // timer check at boot (seen on 6.18-debug: "Kernel panic - not
    // syncing: IO-APIC + timer doesn't work"); the check proves nothing
    // for QEMU's emulated timer, and KVM guests skip it the same way.
    bootArgs: ["no_timer_check", ...(sanitizers ? ["pci=noacpi"] : [])],
  };
  traitsCache.set(kernel, traits);
  return traits;
}

/** Whether `kernel` has module `name` (a file, or built in). */
export function hasModule(kernel: string, name: string): boolean {
  const out = new Deno.Command("modinfo", {
    args: ["-k", kernel, "-F", "filename", name],
    stdout: "null",
    stderr: "null",
  }).outputSync();
  return out.success;
}

/** The iptables variant a kernel's rules use by default. */
export function defaultIptables(kernel: string): IptablesVariant {
  return kernelTraits(kernel).legacyIptables ? "legacy" : "nft";
}

/** What a test needs of the kernel under test. */
export interface Needs {
  /** Legacy iptables (ip_tables.ko and its tables). */
  legacyIptables?: boolean;
  /** Modules (files or built in) beyond the guest's usual set. */
  modules?: string[];
  /** A kernel built with KASAN, lockdep… and kmemleak (the sanitizer run). */
  sanitizers?: boolean;
}

/** Why a test with `needs` does not apply to `kernel`, or undefined. */
export function whyNotApplicable(
  kernel: string,
  needs: Needs,
): string | undefined {
  const traits = kernelTraits(kernel);
  if (needs.legacyIptables && !traits.legacyIptables) {
    return legacyAbsent(kernel);
  }
  if (needs.sanitizers && !(traits.sanitizers && traits.kmemleak)) {
    return `${kernel} is not built with KASAN and kmemleak: the sanitizer ` +
      "run needs such a kernel (NSR_KERNEL=6.18.35-nsr-debug, from " +
      "../shared/kernels/)";
  }
  const missing = (needs.modules ?? []).filter((m) => !hasModule(kernel, m));
  if (missing.length > 0) {
    return `${kernel} has no ${missing.join(", ")} module` +
      (missing.length > 1 ? "s" : "");
  }
  return undefined;
}

/**
 * For a test when it registers: true, and a printed reason, when the
 * kernel under test lacks what it needs (a test on 7.1 says so instead of
 * skipping silently). Without any kernel yet it says false: the boot then
 * fails with what to install.
 */
export function doesNotApply(what: string, needs: Needs): boolean {
  let kernel: string;
  try {
    kernel = defaultKernel();
  } catch {
    return false;
  }
  const why = whyNotApplicable(kernel, needs);
  if (why) console.log(`SKIP ${what}: ${why}`);
  return why !== undefined;
}

/** Why a legacy-iptables test does not apply to `kernel`. */
export function legacyAbsent(kernel: string): string {
  return `iptables-legacy does not apply to ${kernel}: it has no ` +
    "ip_tables.ko (built without CONFIG_NETFILTER_XTABLES_LEGACY), " +
    "iptables-nft serves it";
}
