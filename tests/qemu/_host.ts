/**
 * What the host needs to boot the guest: QEMU, a kernel image and its
 * headers, busybox-static, iptables, cpio, kmod. On a fresh machine, root
 * installs them with tools/install-deps.sh; anyone else is told the one
 * command to run. The guest's kernel is chosen only after the install, so
 * it is whatever image Debian ships that day.
 *
 * @module
 */

import { defaultKernel, KERNEL_PACKAGES } from "./kernels.ts";
import { exists, haveCommand, isRoot, repoRoot } from "./_util.ts";

/**
 * What is missing for booting `kernel` (default: the one defaultKernel()
 * picks now; none installed counts as missing), as short descriptions.
 */
export function missingHostTools(kernel?: string): string[] {
  const missing: string[] = [];
  if (!haveCommand("qemu-system-x86_64")) missing.push("qemu-system-x86");
  let version = kernel;
  if (version === undefined) {
    try {
      version = defaultKernel();
    } catch {
      missing.push(`a kernel image and headers (${KERNEL_PACKAGES})`);
    }
  }
  if (version !== undefined) {
    if (!exists(`/boot/vmlinuz-${version}`)) missing.push(`kernel ${version}`);
    if (!exists(`/lib/modules/${version}/build`)) {
      missing.push(`kernel headers for ${version}`);
    }
  }
  if (!exists("/bin/busybox")) missing.push("busybox-static");
  if (!exists("/usr/sbin/xtables-nft-multi")) missing.push("iptables");
  if (!haveCommand("cpio")) missing.push("cpio");
  if (!haveCommand("modinfo")) missing.push("kmod");
  if (!haveCommand("make") || !haveCommand("gcc")) {
    missing.push("build-essential");
  }
  return missing;
}

/**
 * Makes sure the host can boot the guest: as root, runs
 * tools/install-deps.sh when something is missing; otherwise prints the
 * command to run and exits with status 1. Returns the kernel to boot,
 * chosen after the install.
 */
export async function ensureHostTools(kernel?: string): Promise<string> {
  const missing = missingHostTools(kernel);
  if (missing.length > 0) await install(missing);
  const still = missingHostTools(kernel);
  if (still.length > 0) {
    console.error(`still missing after install: ${still.join(", ")}`);
    Deno.exit(1);
  }
  return kernel ?? defaultKernel();
}

/** Runs tools/install-deps.sh as root, or says how and exits. */
async function install(missing: string[]): Promise<void> {
  const script = `${repoRoot()}/tools/install-deps.sh`;
  if (!isRoot()) {
    console.error(`missing: ${missing.join(", ")}. As root, run:`);
    console.error(`  bash ${script}`);
    Deno.exit(1);
  }
  console.error(`installing what is missing (${missing.join(", ")})…`);
  const { success } = await new Deno.Command("bash", {
    args: [script],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!success) {
    console.error("tools/install-deps.sh failed (its output is above)");
    Deno.exit(1);
  }
}
