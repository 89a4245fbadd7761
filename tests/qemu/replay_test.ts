/**
 * A captured packet never acts again (issue 12), with the real module: not
 * after a module reload with the guest's clock left alone, not after a real
 * reboot (a new guest with the same password, its clock behind when the
 * password is written), not when a request refused as FUTURE is sent again
 * once its time has come, and not when the guest's wall clock is stepped.
 * Harmless keys only ('h': help). The console (no second "sysrq: HELP"),
 * the counters (no second "accepted") and the replies (verified refusals)
 * are the evidence.
 *
 * @module
 */

import assert from "node:assert";
import { RefusalReason } from "../../mod.ts";
import {
  assertAck,
  assertRefusal,
  counters,
  delta,
  Sender,
  type Sent,
} from "./_packets.ts";
import { reload, rewritePassword, Suite } from "./_suite.ts";
import { shellQuote } from "./control_channel.ts";
import { delay } from "./_util.ts";
import { KeyStatus } from "../../mod.ts";
import { Vm } from "./vm.ts";

const suite = new Suite();
const HELP = /sysrq: HELP/;

/** Sends `sent` and returns the verified replies to it. */
async function send(vm: Vm, sent: Sent): Promise<Uint8Array[]> {
  return await vm.exchange([sent.packet], { want: 1 });
}

/** The guest's wall clock, in whole seconds. */
async function guestSeconds(vm: Vm): Promise<number> {
  return Number((await vm.must("date +%s")).trim());
}

suite.scenario(
  "an accepted request, captured, sent after a reload (clock untouched): refused",
  async (vm, sender) => {
    const sent = sender.request("h");
    assertAck(sender, sent, await send(vm, sent), [KeyStatus.EXECUTED]);
    await reload(vm, vm.password!, sender);
    const mark = vm.mark();
    assertRefusal(sender, sent, await send(vm, sent), RefusalReason.BOOT);
    const c = await counters(vm);
    assert.equal(c.accepted, 0);
    assert.equal(c.refused_boot, 1);
    assert.equal(c.keys_executed, 0);
    await delay(500);
    assert.doesNotMatch(vm.consoleSince(mark), HELP);
  },
);

suite.scenario(
  "stamped 200 s ahead (v1 accepted it): refused now, and after a reload",
  async (vm, sender, mark) => {
    const ahead = sender.request("h", { timestamp: sender.now() + 200_000 });
    const before = await counters(vm);
    assertRefusal(sender, ahead, await send(vm, ahead), RefusalReason.FUTURE);
    assert.equal(delta(before, await counters(vm)).refused_future, 1);
    // The floor is 200 s ahead now; a reload starts a new state.
    await reload(vm, vm.password!, sender);
    assertRefusal(sender, ahead, await send(vm, ahead), RefusalReason.BOOT);
    const c = await counters(vm);
    assert.equal(c.accepted, 0);
    await delay(500);
    assert.doesNotMatch(vm.consoleSince(mark), HELP);
    // And the state works: a fresh request is acked.
    const fresh = sender.request("h");
    assertAck(sender, fresh, await send(vm, fresh), [KeyStatus.EXECUTED]);
  },
);

suite.scenario(
  "refused as FUTURE, kept, and sent again when its time has come: refused",
  async (vm, sender) => {
    const ts = sender.now() + 3_000;
    const kept = sender.request("h", { timestamp: ts });
    const mark = vm.mark();
    assertRefusal(sender, kept, await send(vm, kept), RefusalReason.FUTURE);
    while (sender.now() < ts + 500) await delay(100);
    const before = await counters(vm);
    assertRefusal(sender, kept, await send(vm, kept), RefusalReason.REPLAY);
    const d = delta(before, await counters(vm));
    assert.equal(d.refused_replay, 1);
    assert.equal(d.accepted, undefined);
    await delay(500);
    assert.doesNotMatch(vm.consoleSince(mark), HELP);
  },
);

suite.scenario(
  "the wall clock stepped an hour on: the protocol clock does not move",
  async (vm, sender, mark) => {
    const ahead = sender.request("h", { timestamp: sender.now() + 3_600_000 });
    assertRefusal(sender, ahead, await send(vm, ahead), RefusalReason.FUTURE);
    const wall = await guestSeconds(vm);
    await vm.must(`date -u -s @${wall + 3600} >/dev/null`);
    try {
      const clock = await sender.probe(vm);
      // NTP stepping the clock (here by hand) leaves the protocol clock.
      assert.ok(
        Math.abs(clock.serverTime - wall * 1000) < 60_000,
        `protocol clock ${clock.serverTime}, wall before the step ${wall}`,
      );
      assertRefusal(sender, ahead, await send(vm, ahead), RefusalReason.REPLAY);
    } finally {
      await vm.must(`date -u -s @${Math.floor(Date.now() / 1000)} >/dev/null`);
    }
    await delay(500);
    assert.doesNotMatch(vm.consoleSince(mark), HELP);
    // The consumed request raised the floor an hour ahead: a key holder's
    // lock-out, ended by writing the password again (a new state).
    await rewritePassword(vm, vm.password!, sender);
    const fresh = sender.request("h");
    assertAck(sender, fresh, await send(vm, fresh), [KeyStatus.EXECUTED]);
  },
);

suite.scenario(
  "across a real reboot, the new server's clock behind at load: refused",
  async (vm, sender) => {
    const sent = sender.request("h");
    assertAck(sender, sent, await send(vm, sent), [KeyStatus.EXECUTED]);
    // 'b' ends this guest (QEMU runs with -no-reboot); the next boot is a
    // new guest with the same password, the captured packet kept here.
    const b = sender.request("b");
    await vm.exchange([b.packet], { want: 1 });
    assert.ok(await vm.waitExit(20_000), "the guest rebooted");
    const next = await Vm.boot({ password: vm.password });
    try {
      // Its wall clock an hour behind when the password is written (no
      // RTC, a fake-hwclock), then set right (NTP).
      const now = Math.floor(Date.now() / 1000);
      await next.must(`date -u -s @${now - 3600} >/dev/null`);
      await next.must(
        `NSR_PASSWORD=${shellQuote(vm.password!)} nsr password`,
        60_000,
      );
      await next.must(`date -u -s @${now} >/dev/null`);
      const mark = next.mark();
      const there = new Sender(sender.key, next.address());
      await there.probe(next);
      assertRefusal(there, sent, await send(next, sent), RefusalReason.BOOT);
      const c = await counters(next);
      assert.equal(c.accepted, 0);
      assert.equal(c.refused_boot, 1);
      await delay(500);
      assert.doesNotMatch(next.consoleSince(mark), HELP);
      next.assertCleanConsole();
    } finally {
      await next.shutdown();
    }
  },
);

suite.shutdownTest();
