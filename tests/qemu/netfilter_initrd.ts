/**
 * More netfilter modules for the scenarios that need them, as a second cpio
 * archive the kernel unpacks over the harness's initramfs (BootOptions.
 * extraInitrd): conntrack and its match (an ESTABLISHED rule before the
 * SYSRQ rule), statistic and length (an OUTPUT rule that drops one reply),
 * and the nat tables (a SYSRQ rule there must be refused). The guest does
 * not load them at boot; {@link loadNetfilterModules} does, in dependency
 * order. A kernel that lacks some (the test kernels have no xt_statistic,
 * xt_length or nft_chain_nat; 7.1 no iptable_nat) gets the others: the
 * scenarios that need a missing one say so and are skipped (Suite needs).
 * Cached in tests/.work/ under a hash of its inputs.
 *
 * @module
 */

import { defaultKernel, hasModule } from "./kernels.ts";
import { cachedArchive, moduleFiles, putModules } from "./_extra_initrd.ts";
import type { Vm } from "./vm.ts";

/** The matches and tables, with what they need found by modinfo. */
export const MODULES = [
  "nf_conntrack",
  "xt_conntrack",
  "xt_statistic",
  "xt_length",
  "iptable_nat",
  "nft_chain_nat",
];

/** Where the archive puts the modules, and their load order. */
const DIR = "/lib/nsr/netfilter";

/** Builds (or reuses) the archive for `kernel`; returns its path. */
export async function netfilterInitrd(
  kernel = defaultKernel(),
): Promise<string> {
  const modules = await moduleFiles(
    kernel,
    MODULES.filter((m) => hasModule(kernel, m)),
  );
  const inputs = [
    new URL(import.meta.url).pathname,
    ...modules.map((m) => m.file),
  ];
  return await cachedArchive(
    "netfilter",
    kernel,
    inputs,
    (root) => putModules(root, modules, DIR, `${DIR}/modules`),
  );
}

/** Loads every module of the archive in the guest (those not yet loaded). */
export async function loadNetfilterModules(vm: Vm): Promise<void> {
  await vm.must(
    `for m in $(cat ${DIR}/modules); do ` +
      `[ -d /sys/module/$m ] || insmod ${DIR}/$m.ko || exit 1; done`,
    60_000,
  );
}
