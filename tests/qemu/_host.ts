/**
 * What the host needs to boot the guest: QEMU, the kernel image and its
 * headers, busybox-static, iptables, cpio, kmod. On a fresh machine, root
 * installs them with tools/install-deps.sh; anyone else is told the one
 * command to run.
 *
 * @module
 */

import { DEFAULT_KERNEL } from "./initramfs.ts";
import { exists, haveCommand, isRoot, repoRoot } from "./_util.ts";

/** What is missing for booting `kernel`, as short descriptions. */
export function missingHostTools(kernel = DEFAULT_KERNEL): string[] {
  const missing: string[] = [];
  if (!haveCommand("qemu-system-x86_64")) missing.push("qemu-system-x86");
  if (!exists(`/boot/vmlinuz-${kernel}`)) missing.push(`kernel ${kernel}`);
  if (!exists(`/lib/modules/${kernel}/build`)) missing.push("kernel headers");
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
 * command to run and exits with status 1.
 */
export async function ensureHostTools(kernel = DEFAULT_KERNEL): Promise<void> {
  const missing = missingHostTools(kernel);
  if (missing.length === 0) return;
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
  const still = missingHostTools(kernel);
  if (!success || still.length > 0) {
    console.error(`still missing after install: ${still.join(", ")}`);
    Deno.exit(1);
  }
}
