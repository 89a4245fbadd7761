/**
 * The target among other netfilter rules (issue 12's lower findings), in a
 * real guest with conntrack and the nat tables loaded (netfilter_initrd.ts):
 * an ESTABLISHED rule before the SYSRQ rule must not swallow a second
 * request from the same client socket (replies are untracked); a rule
 * without a UDP destination port is refused by iptables-legacy and, with
 * iptables-nft (which cannot show the target the port), returns every
 * packet that is not ours to the chain; a rule in the nat table is refused.
 *
 * @module
 */

import assert from "node:assert";
import { KeyStatus } from "../../mod.ts";
import { assertAck, counters, delta } from "./_packets.ts";
import { rearm, Suite } from "./_suite.ts";
import { loadNetfilterModules, netfilterInitrd } from "./netfilter_initrd.ts";
import {
  doesNotApply,
  type IptablesVariant,
  type Needs,
  whyNotApplicable,
} from "./kernels.ts";

const suite = new Suite({ extraInitrd: [await netfilterInitrd()] });

const ESTABLISHED =
  "INPUT 1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT";

suite.scenario(
  "an ESTABLISHED rule first: a second request from the same port is acked and counted",
  async (vm, sender) => {
    await loadNetfilterModules(vm);
    await vm.must(`iptables-${vm.iptables} -I ${ESTABLISHED}`);
    try {
      const before = await counters(vm);
      const first = sender.request("h");
      const second = sender.request("h");
      // One socket, so one source port; the second goes 2 s after the
      // first, once its ack is back (a conntrack entry would exist by then).
      const replies = await vm.exchange([first.packet, second.packet], {
        pauses: { 1: 2_000 },
        want: 2,
        timeoutMs: 10_000,
      });
      assertAck(sender, first, replies, [KeyStatus.EXECUTED]);
      assertAck(sender, second, replies, [KeyStatus.EXECUTED]);
      const d = delta(before, await counters(vm));
      assert.equal(d.accepted, 2, "both reached the target");
      assert.equal(d.acks_sent, 2);
      // The acks left untracked: no flow from port 9 in the table.
      const table = await vm.must(
        "cat /proc/net/nf_conntrack 2>/dev/null || echo none",
      );
      assert.doesNotMatch(table, /udp .*sport=9 /, table);
    } finally {
      await vm.must(
        `iptables-${vm.iptables} -D ${ESTABLISHED.replace(" 1 ", " ")}`,
      );
    }
  },
  { needs: { modules: ["nf_conntrack", "xt_conntrack"] } },
);

suite.scenario(
  "a rule without --dport: refused by iptables-legacy, saying why",
  async (vm, _sender, mark) => {
    const out = await vm.must(
      "iptables-legacy -A INPUT -p udp -j SYSRQ 2>&1; echo rc=$?",
    );
    assert.match(out, /rc=[1-9]/, out);
    await vm.waitFor(
      /SYSRQ target: the rule must match a UDP destination port/,
      { since: mark },
    );
    const rules = await vm.must("iptables-legacy -S INPUT");
    assert.doesNotMatch(rules, /-p udp -j SYSRQ/);
  },
  { needs: { legacyIptables: true } },
);

suite.scenario(
  "a rule without --dport under iptables-nft: other UDP goes on down the chain",
  async (vm, sender, mark) => {
    await vm.must("nsr flush");
    try {
      await vm.must(
        "iptables-nft -A INPUT -p udp -j SYSRQ && " +
          "iptables-nft -A INPUT -p udp -j LOG --log-prefix 'NSR-PASSED: '",
      );
      const before = await counters(vm);
      // A DNS query's bytes (id, flags, one question for example.org A).
      const dns = Uint8Array.from([
        0x12,
        0x34,
        0x01,
        0x00,
        0x00,
        0x01,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x07,
        ...new TextEncoder().encode("example"),
        0x03,
        ...new TextEncoder().encode("org"),
        0x00,
        0x00,
        0x01,
        0x00,
        0x01,
      ]);
      await vm.exchange([dns], { timeoutMs: 0 });
      await vm.waitFor(/NSR-PASSED: .*PROTO=UDP/, { since: mark });
      const sent = sender.request("h");
      const replies = await vm.exchange([sent.packet], { want: 1 });
      assertAck(sender, sent, replies, [KeyStatus.EXECUTED]);
      const d = delta(before, await counters(vm));
      assert.equal(d.not_ours, 1, "the DNS packet was not ours");
      assert.equal(d.accepted, 1, "ours still works under this rule");
      // Ours is dropped after the target: only the DNS packet reached LOG.
      assert.equal(
        vm.consoleSince(mark).match(/NSR-PASSED: /g)?.length,
        1,
      );
    } finally {
      await vm.must("iptables-nft -F INPUT");
      await rearm(vm);
    }
  },
);

/** The nat table of each variant, and what it needs of the kernel. */
const NAT: { variant: IptablesVariant; needs: Needs }[] = [
  {
    variant: "legacy",
    needs: { legacyIptables: true, modules: ["iptable_nat"] },
  },
  { variant: "nft", needs: { modules: ["nft_chain_nat"] } },
];

suite.scenario(
  "a rule in the nat table is refused by iptables-legacy and iptables-nft",
  async (vm, _sender, mark) => {
    await loadNetfilterModules(vm);
    for (const { variant, needs } of NAT) {
      const why = whyNotApplicable(vm.initramfs!.kernel, needs);
      if (why) {
        console.log(`  SKIP the nat table with iptables-${variant}: ${why}`);
        continue;
      }
      const out = await vm.must(
        `iptables-${variant} -t nat -A INPUT -p udp --dport 9 ` +
          "-j SYSRQ 2>&1; echo rc=$?",
      );
      // INPUT, the one hook the target allows: only the table is wrong.
      assert.match(out, /rc=[1-9]/, `${variant}: ${out}`);
      const rules = await vm.must(`iptables-${variant} -t nat -S INPUT`);
      assert.doesNotMatch(rules, /SYSRQ/, `${variant}: ${rules}`);
    }
    const said = vm.consoleSince(mark).match(
      /SYSRQ target: not valid in the nat table/g,
    );
    assert.ok((said?.length ?? 0) >= 1, vm.consoleSince(mark));
  },
  {
    ignore: NAT.every(({ variant, needs }) =>
      doesNotApply(`the nat table with iptables-${variant}`, needs)
    ),
  },
);

suite.shutdownTest();
