/**
 * The target over a tap device in a network namespace: IPv6, and IPv4 on
 * the same link. Needs root (ip netns, tuntap).
 *
 * @module
 */

import assert from "node:assert";
import { createLegacyRequest, KeyStatus } from "../../mod.ts";
import { assertAck, Sender } from "./_packets.ts";
import { rearm, Suite, withSentinel } from "./_suite.ts";
import { isRoot } from "./_util.ts";
import {
  ACK_OUTPUT_FOLLOWS,
  kernelHasAead,
  OUT_LAST,
  OutputReceiver,
} from "./_output.ts";

if (!isRoot()) {
  console.log("ipv6_test.ts: needs root (ip netns, tap device); run as root");
}
const suite = new Suite({ network: "tap" });
const needsRoot = { ignore: !isRoot() };

suite.scenario("IPv6: a verified request runs and is acked", async (vm) => {
  const v6 = await Sender.forPassword(vm.password!, vm.address("v6"));
  await v6.probe(vm, "v6");
  const sent = v6.request("h");
  const replies = await vm.exchange([sent.packet], { target: "v6", want: 1 });
  assertAck(v6, sent, replies, [KeyStatus.EXECUTED]);
  await vm.waitFor(/v2 request from fd00:99::1 accepted, keys "h"/);
}, needsRoot);

suite.scenario("IPv6: output comes back to the source", async (vm) => {
  const r = new OutputReceiver(vm.password!, vm.address("v6"));
  const probe = r.probe();
  r.learn(probe, await vm.exchange([probe], { target: "v6", want: 1 }));
  const sent = r.request("h");
  // The ack and the one message `h` fills.
  const replies = await vm.exchange([sent.packet], { target: "v6", want: 2 });
  assert.equal(r.ack(sent, replies)?.flags, ACK_OUTPUT_FOLLOWS);
  const out = r.output(sent, replies);
  assert.equal(out.last?.flags, OUT_LAST);
  assert.match(new TextDecoder().decode(out.text), /sysrq: HELP :/);
}, {
  // Output needs the kernel's ChaCha20-Poly1305 library (output_test.ts).
  ignore: !isRoot() || !kernelHasAead(),
});

suite.scenario("IPv4 over the tap link is acked too", async (vm, sender) => {
  const sent = sender.request("h");
  const replies = await vm.exchange([sent.packet], { target: "v4", want: 1 });
  assertAck(sender, sent, replies, [KeyStatus.EXECUTED]);
}, needsRoot);

suite.scenario(
  "IPv6: a packet made for the IPv4 address is refused",
  async (vm, sender, mark) => {
    const v6 = await Sender.forPassword(vm.password!, vm.address("v6"));
    await v6.probe(vm, "v6");
    const forV4 = sender.request("s");
    const { d } = await withSentinel(vm, v6, [forV4.packet], "v6");
    assert.equal(d.bad_mac, 1);
    assert.doesNotMatch(vm.consoleSince(mark), /Emergency Sync/);
  },
  needsRoot,
);

suite.scenario(
  "IPv6: legacy format with the full %pI6 address",
  async (vm, _sender, mark) => {
    await rearm(vm, ["--sysrq-legacy"]);
    try {
      const packet = await createLegacyRequest({
        password: vm.password!,
        keys: "h",
        seqno: Math.floor(Date.now() / 1000) + 1,
        salt: "bm90LWEtcmVhbC1zYWx0",
        serverAddress: vm.address("v6"),
        newline: true,
      });
      await vm.exchange([packet], { target: "v6", timeoutMs: 0 });
      await vm.waitFor(/legacy request from fd00:99::1 accepted, keys "h"/, {
        since: mark,
      });
    } finally {
      await rearm(vm);
    }
  },
  needsRoot,
);

suite.shutdownTest();
