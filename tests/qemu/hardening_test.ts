/**
 * Two hardenings of the target outside the wire protocol, in a real guest
 * (docs/xt_SYSRQ.8): the plaintext password is kept only while a
 * --sysrq-legacy rule needs it, and an IPv4 request whose source is one of
 * the server's own addresses, arriving from outside, is never judged (so
 * no reply can go to a local socket), as IPv6 already did. Only
 * legacy-format packets are sent: that format is the same in protocol v1
 * and v2. Needs root (a tap device in a network namespace).
 *
 * @module
 */

import assert from "node:assert/strict";
import { createLegacyRequest } from "../../mod.ts";
import { counters, delta } from "./_packets.ts";
import { rearm, Suite } from "./_suite.ts";
import { shellQuote } from "./control_channel.ts";
import { isRoot, run } from "./_util.ts";
import type { Vm } from "./vm.ts";

if (!isRoot()) {
  console.log("hardening_test.ts: needs root (ip netns, tap device)");
}
const suite = new Suite({ network: "tap" });
const needsRoot = { ignore: !isRoot() };

/** kernel/nsr_legacy_secret.h: NSR_LEGACY_GRACE_S. */
const GRACE_MS = 60_000;
const LEGACY_RULE = "INPUT -p udp --dport 9 -j SYSRQ --sysrq-legacy";
const WIPED = /no --sysrq-legacy rule: the plaintext password is wiped/;
/** QEMU's MAC address for the guest's first network card. */
const GUEST_MAC = "52:54:00:12:34:56";
/** An address the guest owns (on lo) and the host side pretends to send from. */
const SPOOFED = "198.51.100.5";

let seqno = Math.floor(Date.now() / 1000) + 1000;

/** A legacy request for key `h`, each with a fresh, higher seqno. */
function legacyRequest(vm: Vm): Promise<Uint8Array> {
  return createLegacyRequest({
    password: vm.password!,
    keys: "h",
    seqno: seqno++,
    salt: "aGFyZGVuaW5nLXRlc3Q",
    serverAddress: vm.address("v4"),
  });
}

/** Sends a legacy request from the host side; legacy gets no reply. */
async function sendLegacy(vm: Vm): Promise<void> {
  await vm.exchange([await legacyRequest(vm)], { timeoutMs: 0 });
}

function acceptedFrom(source: string): RegExp {
  return new RegExp(`legacy request from ${source} accepted, keys "h"`);
}

async function writePassword(vm: Vm): Promise<void> {
  await vm.must(`NSR_PASSWORD=${shellQuote(vm.password!)} nsr password`);
}

suite.scenario(
  "the plaintext password lives only while a --sysrq-legacy rule needs it",
  async (vm, _sender, mark) => {
    await vm.must(`nsr flush && nsr rule ${vm.iptables} 4`);
    // A write starts the grace: a legacy rule may come within it.
    await writePassword(vm);
    await vm.must(`iptables-${vm.iptables} -I ${LEGACY_RULE}`);
    await vm.must(`iptables-${vm.iptables} -D ${LEGACY_RULE}`);
    const removed = performance.now();
    await vm.waitFor(WIPED, { since: mark, timeoutMs: GRACE_MS + 30_000 });
    const kept = performance.now() - removed;
    assert.ok(kept > GRACE_MS - 5_000, `wiped after ${kept} ms`);

    const refused = await vm.command(
      `iptables-${vm.iptables} -I ${LEGACY_RULE}`,
    );
    assert.notEqual(refused.code, 0, "a legacy rule without the plaintext");
    assert.match(vm.consoleSince(mark), /--sysrq-legacy needs the password/);
    await vm.must(
      `iptables-${vm.iptables} -I INPUT -p udp --dport 9 -j SYSRQ`,
    );

    // Written again, it stays as long as a legacy rule exists: past the
    // grace, a legacy request still verifies (the wait is the property).
    await writePassword(vm);
    await vm.must(`iptables-${vm.iptables} -I ${LEGACY_RULE}`);
    const later = vm.mark();
    await new Promise((r) => setTimeout(r, GRACE_MS + 5_000));
    assert.doesNotMatch(vm.consoleSince(later), WIPED);
    await sendLegacy(vm);
    await vm.waitFor(acceptedFrom("10.99.0.1"), { since: later });
    await vm.must(
      `nsr flush && nsr rule ${vm.iptables} 4 && nsr rule ${vm.iptables} 6`,
    );
  },
  needsRoot,
);

/** Runs `cmd` in the namespace that holds the host side of the tap link. */
function inNetns(vm: Vm, cmd: string[]): Promise<string> {
  return run(["ip", "netns", "exec", vm.netns!, ...cmd]);
}

/** Packets from the host side now leave with source `src`. */
async function sendFrom(vm: Vm, src: string): Promise<void> {
  await inNetns(vm, [
    "ip",
    "route",
    "replace",
    "10.99.0.0/24",
    "dev",
    "nsrtap0",
    "src",
    src,
  ]);
}

suite.scenario(
  "IPv4: a request from one of the server's own addresses is never judged",
  async (vm, _sender, mark) => {
    await writePassword(vm); // the plaintext, for the legacy rules
    await rearm(vm, ["--sysrq-legacy"]);
    // The guest owns SPOOFED and accepts local sources from outside, as
    // with accept_local=1 or an AnyIP range: only the target stands guard.
    await vm.must(
      `ip addr add ${SPOOFED}/32 dev lo && ` +
        "for c in all eth0; do " +
        "echo 1 >/proc/sys/net/ipv4/conf/$c/accept_local; " +
        "echo 0 >/proc/sys/net/ipv4/conf/$c/rp_filter; done",
    );
    await inNetns(vm, ["ip", "addr", "add", `${SPOOFED}/32`, "dev", "nsrtap0"]);
    // ARP from a source the guest owns may go unanswered: no ARP needed.
    await inNetns(vm, [
      "ip",
      "neigh",
      "replace",
      vm.address("v4"),
      "lladdr",
      GUEST_MAC,
      "dev",
      "nsrtap0",
    ]);
    try {
      const before = await counters(vm);
      await sendFrom(vm, SPOOFED);
      await sendLegacy(vm);
      // The guest judges in order: once this one is accepted, the spoofed
      // one was seen before it.
      await sendFrom(vm, "10.99.0.1");
      await sendLegacy(vm);
      await vm.waitFor(acceptedFrom("10.99.0.1"), { since: mark });
      const d = delta(before, await counters(vm));
      assert.equal(d.not_unicast, 1, "the spoofed request, refused");
      assert.equal(d.accepted, 1, "only the request from outside");
      assert.doesNotMatch(vm.consoleSince(mark), acceptedFrom(SPOOFED));
    } finally {
      await sendFrom(vm, "10.99.0.1").catch(() => {});
      await vm.must(`ip addr del ${SPOOFED}/32 dev lo`).catch(() => {});
      await rearm(vm);
    }
  },
  needsRoot,
);

suite.shutdownTest();
