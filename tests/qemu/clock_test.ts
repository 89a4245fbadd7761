/**
 * The real client against a server whose clock is 10 minutes ahead or
 * behind this machine's (issue 12): the first command works, and the client
 * says the offset. The guest's wall clock is set off before the password is
 * written (the module's protocol clock starts from it then) and set right
 * again afterwards, as NTP would: the protocol clock stays off, since it
 * never steps.
 *
 * @module
 */

import assert from "node:assert";
import { counters, delta } from "./_packets.ts";
import { Suite } from "./_suite.ts";
import { shellQuote } from "./control_channel.ts";
import { runClient, SOURCE } from "../../cli/_run_client.ts";
import type { Vm } from "./vm.ts";
import { delay } from "./_util.ts";

const suite = new Suite();

/** A new replay state whose clock is `offsetS` off the host's. */
async function stateWithClockOff(vm: Vm, offsetS: number): Promise<void> {
  // `date -s` takes whole seconds: set it on the host's second boundary,
  // or the offset is off by up to a second and the client, which rounds,
  // may say "9 min 59 s" or "10 min 1 s".
  await delay(1000 - Date.now() % 1000);
  const now = Math.round(Date.now() / 1000);
  await vm.must(`date -u -s @${now + offsetS} >/dev/null`);
  try {
    await vm.must(
      `NSR_PASSWORD=${shellQuote(vm.password!)} nsr password`,
      60_000,
    );
  } finally {
    await vm.must(`date -u -s @${Math.floor(Date.now() / 1000)} >/dev/null`);
  }
}

for (
  const [name, offsetS, words] of [
    ["ahead", 600, "ahead of"],
    ["behind", -600, "behind"],
  ] as const
) {
  suite.scenario(
    `server clock 10 min ${name}: the first command is acked and says so`,
    async (vm, _sender, mark) => {
      await stateWithClockOff(vm, offsetS);
      const before = await counters(vm);
      const run = await runClient(SOURCE, [
        "--server-address",
        vm.address(),
        "h",
        `127.0.0.1:${vm.ports.v4}`,
      ], { env: { SYSRQ_PASSWORD: vm.password! } });
      const text = run.stdout + run.stderr;
      assert.equal(run.code, 0, text);
      assert.match(text, /acked in .*, ran once: h\n/);
      // 10 min, give or take the second the guest's clock is set in.
      assert.match(
        text,
        new RegExp(
          `the server's clock is (10 min( \\d s)?|9 min 5\\d s) ${words} this`,
        ),
      );
      const d = delta(before, await counters(vm));
      assert.deepEqual(
        [d.probe_answered, d.accepted, d.refused_future, d.refused_stale],
        [1, 1, undefined, undefined],
        "one probe, one request, accepted at once",
      );
      await vm.waitFor(/sysrq: HELP/, { since: mark });
    },
  );
}

suite.shutdownTest();
