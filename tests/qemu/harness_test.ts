/**
 * The harness itself, without our module: the guest boots and reports
 * readiness, the control channel returns output and exit codes, both
 * iptables variants install a rule with a stock target (LOG) that sees UDP
 * from the host, and the console check catches a kernel warning.
 *
 * @module
 */

import assert from "node:assert";
import { Vm } from "./vm.ts";
import { doesNotApply } from "./kernels.ts";

let vm: Vm | undefined;
const options = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "harness: the guest boots and reports readiness",
  ...options,
  fn: async () => {
    vm = await Vm.boot({ password: null });
    console.log(`  guest ready in ${vm.bootMs} ms`);
    assert.match(vm.consoleText(), /NSR-READY link=up ip=10\.0\.2\.15\/24/);
    vm.assertCleanConsole();
  },
});

Deno.test({
  name: "harness: guest commands return output and exit status",
  ...options,
  fn: async () => {
    assert.ok(vm);
    const ok = await vm.command("echo hello; echo to-stderr >&2");
    assert.deepEqual(ok, { output: "hello\nto-stderr\n", code: 0 });
    assert.equal((await vm.command("exit 7")).code, 7);
    // What a command prints stays off the console.
    const mark = vm.mark();
    await vm.must("echo not-on-the-console-4711");
    assert.doesNotMatch(vm.consoleSince(mark), /not-on-the-console-4711/);
  },
});

for (const variant of ["legacy", "nft"]) {
  const name = `harness: iptables-${variant} with LOG sees the host's UDP`;
  Deno.test({
    name,
    ignore: variant === "legacy" &&
      doesNotApply(name, { legacyIptables: true }),
    ...options,
    fn: async () => {
      assert.ok(vm);
      await vm.must(`nsr flush && nsr logrule ${variant} 4`);
      const mark = vm.mark();
      const logged = vm.waitFor(/NSR-LOG: IN=eth0 .*DPT=9/, { since: mark });
      await vm.exchange([new TextEncoder().encode("x")], { until: logged });
      await logged;
      await vm.must("nsr flush");
    },
  });
}

Deno.test({
  name: "harness: the console check catches a kernel warning",
  ...options,
  fn: async () => {
    assert.ok(vm);
    const mark = vm.mark();
    vm.assertCleanConsole(mark);
    await vm.must('echo "<4>WARNING: harness self-test" >/dev/kmsg');
    await vm.waitFor(/harness self-test/, { since: mark });
    assert.throws(() => vm!.assertCleanConsole(mark), /WARNING/);
    await vm.shutdown();
  },
});
