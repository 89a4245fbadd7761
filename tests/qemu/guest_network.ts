/**
 * The guest's network, both sides of it. "user": QEMU user networking, no
 * root; the host reaches the guest's 10.0.2.15 and 10.0.2.16 through two
 * forwarded UDP ports. "tap": a private network namespace holding a tap
 * device (root only; IPv4 and IPv6), with test addresses that exist only
 * inside that namespace.
 *
 * @module
 */

import dgram from "node:dgram";
import { isRoot, run } from "./_util.ts";

/** Which network a guest is on. */
export type Network = "user" | "tap";

/** Where a test sends packets: the guest's main or second address, v4/v6. */
export type Target = "v4" | "v4b" | "v6";

/** Guest addresses per network. */
export const ADDRESSES: Record<Network, Record<Target, string>> = {
  user: { v4: "10.0.2.15", v4b: "10.0.2.16", v6: "" },
  tap: { v4: "10.99.0.2", v4b: "10.99.0.3", v6: "fd00:99::2" },
};
const TAP_HOST = { v4: "10.99.0.1/24", v6: "fd00:99::1/64" };
const TAP_DEVICE = "nsrtap0";

/** One guest's network, set up on the host side. */
export interface GuestNetwork {
  /** QEMU's -netdev value. */
  netdev: string;
  /** Kernel command line words that tell the guest's init its addresses. */
  kernelArgs: string[];
  /** Host ports forwarded to the guest's port 9 (user network). */
  ports: { v4: number; v4b: number };
  /** The namespace QEMU runs in (tap network). */
  netns?: string;
}

/** Sets up the host side of a guest's network. */
export async function setUpNetwork(network: Network): Promise<GuestNetwork> {
  const addr = ADDRESSES[network];
  const ips = `nsr.ip=${addr.v4}/24,${addr.v4b}/24`;
  if (network === "user") {
    const ports = { v4: await freeUdpPort(), v4b: await freeUdpPort() };
    return {
      netdev: `user,id=n0,hostfwd=udp:127.0.0.1:${ports.v4}-` +
        `${addr.v4}:9,hostfwd=udp:127.0.0.1:${ports.v4b}-${addr.v4b}:9`,
      kernelArgs: [ips, "nsr.gw=10.0.2.2"],
      ports,
    };
  }
  return {
    netdev: `tap,id=n0,ifname=${TAP_DEVICE},script=no,downscript=no`,
    kernelArgs: [ips, `nsr.ip6=${addr.v6}/64`],
    ports: { v4: 0, v4b: 0 },
    netns: await makeNetns(),
  };
}

/** A fresh network namespace with the tap device up and addressed. */
async function makeNetns(): Promise<string> {
  if (!isRoot()) throw new Error("the tap network needs root (ip netns)");
  const ns = `nsr-${crypto.randomUUID().slice(0, 8)}`;
  await run(["ip", "netns", "add", ns]);
  try {
    const inNs = (cmd: string[]) => run(["ip", "netns", "exec", ns, ...cmd]);
    await inNs(["ip", "link", "set", "lo", "up"]);
    await inNs(["ip", "tuntap", "add", "dev", TAP_DEVICE, "mode", "tap"]);
    await inNs(["ip", "addr", "add", TAP_HOST.v4, "dev", TAP_DEVICE]);
    await inNs([
      "ip",
      "-6",
      "addr",
      "add",
      TAP_HOST.v6,
      "dev",
      TAP_DEVICE,
      "nodad",
    ]);
    await inNs(["ip", "link", "set", TAP_DEVICE, "up"]);
  } catch (e) {
    await deleteNetns(ns);
    throw e;
  }
  return ns;
}

/** Removes a namespace made by setUpNetwork (its tap device goes with it). */
export async function deleteNetns(ns: string): Promise<void> {
  await run(["ip", "netns", "del", ns]).catch(() => {});
}

/** A UDP port on 127.0.0.1 that is free right now. */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
