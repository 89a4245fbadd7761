/**
 * `send_sysrq --check` against the real module (issue 17): one probe per
 * host, answered with the guest's boot id and clock; the client reports the
 * key right and the clock offset, and nothing runs — the counters show
 * probes only and the console no SysRq line. A wrong password gets no
 * answer (the MAC fails) and exit status 1.
 *
 * @module
 */

import assert from "node:assert";
import { counters, delta, judged } from "./_packets.ts";
import { Suite } from "./_suite.ts";
import { runClient, SOURCE } from "../../cli/_run_client.ts";
import { testPassword } from "../_testing.ts";
import type { Vm } from "./vm.ts";

const suite = new Suite();

async function check(vm: Vm, args: string[], password = vm.password!) {
  const run = await runClient(SOURCE, [
    "--check",
    "--server-address",
    vm.address(),
    ...args,
    `127.0.0.1:${vm.ports.v4}`,
  ], { env: { SYSRQ_PASSWORD: password } });
  return { ...run, text: run.stdout + run.stderr };
}

suite.scenario(
  "--check: the key right, the clock offset and boot id; nothing runs",
  async (vm, _sender, mark) => {
    const before = await counters(vm);
    const run = await check(vm, []);
    assert.equal(run.code, 0, run.text);
    assert.match(
      run.stdout,
      /^127\.0\.0\.1:\d+: fine: key right, answered in .*, (clocks agree within 1 s|server clock .* (ahead|behind)), boot id [0-9a-f]{16}\n/,
    );
    const json = JSON.parse((await check(vm, ["--json"])).stdout);
    assert.equal(json.ok, true);
    assert.equal(typeof json.clockOffsetMs, "number");
    assert.ok(Math.abs(json.clockOffsetMs) < 5000, String(json.clockOffsetMs));
    assert.match(json.bootId, /^[0-9a-f]{16}$/);
    const d = delta(before, await counters(vm));
    assert.equal(d.probe_answered, 2, JSON.stringify(d));
    assert.equal(d.accepted ?? 0, 0, "a request was accepted");
    assert.equal(d.keys_executed ?? 0, 0, "a key ran");
    assert.doesNotMatch(vm.consoleSince(mark), /sysrq:/i);
  },
);

suite.scenario(
  "--check with a wrong password: no answer, exit 1, nothing runs",
  async (vm, _sender, mark) => {
    const before = await counters(vm);
    const run = await check(
      vm,
      ["--timeout", "0.5", "--retries", "0"],
      testPassword(),
    );
    assert.equal(run.code, 1, run.text);
    assert.match(run.stdout, /: no answer \(1 probe\)\n/);
    assert.match(run.stdout, /no answer, likely causes: wrong password/);
    const after = await counters(vm);
    const d = delta(before, after);
    // The probe, and under Deno its copy that listens for ICMP
    // (cli/closed_port.ts): each fails its MAC, nothing else is judged.
    assert.ok(d.bad_mac >= 1, JSON.stringify(d));
    assert.equal(judged(before, after), d.bad_mac, JSON.stringify(d));
    assert.equal(d.probe_answered ?? 0, 0);
    assert.doesNotMatch(vm.consoleSince(mark), /sysrq:/i);
  },
);

suite.shutdownTest();
