/**
 * Scenario plumbing for the end-to-end tests: one guest shared by the
 * scenarios of a file (a boot costs ~7 s under TCG), a console check after
 * each, and the sentinel exchange that proves a packet was ignored without
 * waiting for a fixed time.
 *
 * @module
 */

import assert from "node:assert";
import { KeyStatus } from "../../mod.ts";
import {
  assertAck,
  type Counters,
  counters,
  delta,
  Sender,
  type Sent,
} from "./_packets.ts";
import { type BootOptions, Vm } from "./vm.ts";
import { shellQuote } from "./control_channel.ts";
import type { Target } from "./guest_network.ts";
import { doesNotApply, type IptablesVariant, type Needs } from "./kernels.ts";
import { delay } from "./_util.ts";

/** One file's shared guest and the sender holding its password's key. */
export class Suite {
  vm?: Vm;
  sender?: Sender;
  #booting?: Promise<void>;

  constructor(readonly options: BootOptions = {}) {}

  /** Boots the guest on first use. */
  async get(): Promise<{ vm: Vm; sender: Sender }> {
    this.#booting ??= (async () => {
      this.vm = await Vm.boot(this.options);
      console.log(`  guest ready in ${this.vm.bootMs} ms`);
      this.sender = await Sender.forPassword(
        this.vm.password!,
        this.vm.address("v4"),
      );
      if (this.vm.password !== undefined) await this.sender.probe(this.vm);
      // The boot, the module's load and the first probe: a report there
      // (a sanitizer's, on a debug kernel) fails the first scenario.
      this.vm.assertCleanConsole();
    })();
    await this.#booting;
    return { vm: this.vm!, sender: this.sender! };
  }

  /**
   * A named Deno test run against the shared guest; the console must show
   * no kernel error from the scenario's start to its end. A scenario whose
   * `needs` the kernel lacks is skipped, saying why.
   */
  scenario(
    name: string,
    fn: (vm: Vm, sender: Sender, mark: number) => Promise<void>,
    options: { ignore?: boolean; needs?: Needs } = {},
  ): void {
    Deno.test({
      name,
      ignore: options.ignore ||
        (options.needs !== undefined && doesNotApply(name, options.needs)),
      sanitizeOps: false,
      sanitizeResources: false,
      fn: async () => {
        const { vm, sender } = await this.get();
        const mark = await vm.settledMark();
        await fn(vm, sender, mark);
        vm.assertCleanConsole(mark);
      },
    });
  }

  /** A last test that stops the guest (if a scenario did not already). */
  shutdownTest(): void {
    Deno.test({
      name: "shutdown: the guest stops cleanly",
      sanitizeOps: false,
      sanitizeResources: false,
      fn: async () => {
        if (!this.vm) return;
        this.vm.assertCleanConsole();
        await this.vm.shutdown();
      },
    });
  }
}

/**
 * Sends `packets`, then a fresh valid request (the sentinel, key `h`) from
 * `sentinel`; the guest judges packets in order, so once the sentinel's ack
 * is back, every earlier packet was judged. Asserts the sentinel's ack and
 * that nothing else answered; returns all replies and the counter changes.
 */
export async function withSentinel(
  vm: Vm,
  sentinel: Sender,
  packets: Uint8Array[],
  target: Target = "v4",
): Promise<{ replies: Uint8Array[]; d: Counters; sent: Sent }> {
  const before = await counters(vm);
  const sent = sentinel.request("h");
  const replies = await vm.exchange([...packets, sent.packet], {
    target,
    want: vm.network === "tap" ? 1 : undefined,
    stopWhen: (r) => sentinel.repliesTo(sent, r).length > 0,
    timeoutMs: 10_000,
  });
  assertAck(sentinel, sent, replies, [KeyStatus.EXECUTED]);
  assert.equal(replies.length, 1, "only the sentinel is answered");
  const d = delta(before, await counters(vm));
  return { replies, d, sent };
}

/** Replaces the SYSRQ rules (both families) with ones using `options`. */
export async function rearm(
  vm: Vm,
  options: string[] = [],
  variant: IptablesVariant = vm.iptables,
): Promise<void> {
  const opts = options.map(shellQuote).join(" ");
  await vm.must(
    `nsr flush && nsr rule ${variant} 4 ${opts} && nsr rule ${variant} 6 ${opts}`,
  );
}

/**
 * Unloads and reloads xt_SYSRQ with `password`, rules back in place; the
 * `senders` probe the new boot id and clock.
 */
export async function reload(
  vm: Vm,
  password: string,
  ...senders: Sender[]
): Promise<void> {
  await vm.must(
    `nsr unload && NSR_PASSWORD=${shellQuote(password)} nsr load && ` +
      `nsr rule ${vm.iptables} 4 && nsr rule ${vm.iptables} 6`,
    60_000,
  );
  for (const sender of senders) await sender.probe(vm);
}

/**
 * Writes `password` to the loaded module (a new replay state: new boot id,
 * floor 0); the `senders` probe the new boot id and clock.
 */
export async function rewritePassword(
  vm: Vm,
  password: string,
  ...senders: Sender[]
): Promise<void> {
  await vm.must(`NSR_PASSWORD=${shellQuote(password)} nsr password`, 60_000);
  for (const sender of senders) await sender.probe(vm);
}

/**
 * Polls the guest's clock (whole seconds) until it is past `ms`. The guest
 * reads its clock from the emulated RTC at boot and runs up to a second
 * behind the host; a test whose meaning depends on the guest having seen a
 * time waits for that, never for a fixed delay.
 */
export async function guestClockPast(vm: Vm, ms: number): Promise<void> {
  while (true) {
    const s = Number((await vm.must("date +%s")).trim());
    if (s * 1000 > ms) return;
    await delay(100);
  }
}
