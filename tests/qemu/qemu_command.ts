/**
 * QEMU's command line for one guest: TCG (KVM is unusable on these
 * machines), no display or monitor, the console on the first serial port
 * (a file), the control channel on the second (a Unix socket), one e1000
 * NIC, and -no-reboot so that a reboot (SysRq b, or a panic with
 * panic=-1) ends QEMU.
 *
 * @module
 */

/** What one guest boots with. */
export interface QemuSpec {
  kernelImage: string;
  initrd: string;
  /** Kernel command line words. */
  append: string[];
  memoryMb: number;
  smp: number;
  /** File the console (ttyS0) is written to. */
  consolePath: string;
  /** Unix socket QEMU listens on for the control channel (ttyS1). */
  controlSocket: string;
  /** The -netdev value (id n0). */
  netdev: string;
  /** Run QEMU inside this network namespace (tap network). */
  netns?: string;
  /** Raw disk images, each a virtio disk (vda, vdb...). */
  disks?: string[];
  /** A Unix socket for QEMU's human monitor (system_reset...). */
  monitorSocket?: string;
}

/** The argv that starts QEMU for `spec`. */
export function qemuCommand(spec: QemuSpec): string[] {
  const qemu = [
    "qemu-system-x86_64",
    "-accel",
    "tcg",
    "-m",
    String(spec.memoryMb),
    "-smp",
    String(spec.smp),
    "-no-reboot",
    "-display",
    "none",
    "-monitor",
    "none",
    "-serial",
    `file:${spec.consolePath}`,
    "-chardev",
    `socket,id=ctl,path=${spec.controlSocket},server=on,wait=off`,
    "-serial",
    "chardev:ctl",
    "-kernel",
    spec.kernelImage,
    "-initrd",
    spec.initrd,
    "-append",
    spec.append.join(" "),
    "-netdev",
    spec.netdev,
    "-device",
    "e1000,netdev=n0",
    // cache=unsafe: QEMU's writes land in the host's page cache, which
    // outlives QEMU; the image is read on this host after QEMU exits, so
    // host flushes would add time and nothing the benchmark can see.
    ...(spec.disks ?? []).flatMap((d) => [
      "-drive",
      `file=${d},format=raw,if=virtio,cache=unsafe`,
    ]),
    ...(spec.monitorSocket
      ? [
        "-chardev",
        `socket,id=mon,path=${spec.monitorSocket},server=on,wait=off`,
        "-mon",
        "chardev=mon,mode=readline",
      ]
      : []),
  ];
  return spec.netns ? ["ip", "netns", "exec", spec.netns, ...qemu] : qemu;
}
