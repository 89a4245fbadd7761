/**
 * `deno task test`: every suite in one `deno test` run (unit tests, JSDoc
 * examples, the C verifier harness, the client, the QEMU suite on Debian's
 * kernel), then the QEMU scenarios on each installed test kernel of
 * ../shared/kernels/: the core scenarios everywhere, and on a kernel built
 * with KASAN and kmemleak (6.18-debug) the sanitizer run. Says which test
 * kernels it skipped; ends with one summary line `N passed, M failed` for
 * CI.
 *
 * @module
 */

import { kernelTraits, testKernels } from "./qemu/kernels.ts";
import { denoTest, type TestRun } from "./qemu/test_run.ts";

const targets = ["mod.ts", "core/", "cli/", "tests/"];

/** The core QEMU scenarios, run on every test kernel. */
const CORE = [
  "tests/qemu/harness_test.ts",
  "tests/qemu/sysrq_test.ts",
  // Without the AEAD library (7.1): output is off and the ack says so.
  "tests/qemu/output_test.ts",
  // Server keys: installed with their HMAC pads (lib/crypto's own on 6.17+).
  "tests/qemu/keys_param_test.ts",
];
/**
 * The sanitizer run: its own scenarios (a flood on two CPUs with
 * unload/reload (the rescue thread made and stopped), password and server
 * key changes, info probes; a race; a request asking for output, off
 * without the AEAD library; kmemleak; the safe-reboot flags, ending in a
 * real reboot), the replay ones and the core ones (sysrq_test.ts: junk
 * payloads, GRO-merged requests, reloads during a flood, the .t lines),
 * each under KASAN, lockdep, PROVE_RCU, UBSAN and KFENCE.
 */
const SANITIZER_RUN = [
  "tests/qemu/harness_test.ts",
  "tests/qemu/sysrq_test.ts",
  "tests/qemu/replay_test.ts",
  "tests/qemu/sanitizer_test.ts",
];

// The C harness, the packages and the QEMU suite need Debian packages (and
// the test kernels when ../shared/kernels exists): as root this installs
// what is missing; otherwise it names the apt-get line and the suites that
// need them fail, each saying what it lacks.
const deps = new URL("../tools/install-deps.sh", import.meta.url).pathname;
await new Deno.Command("bash", { args: [deps] }).spawn().status;

const runs: { label: string; run: TestRun }[] = [];
runs.push({
  label: "all suites (Debian's kernel)",
  run: await denoTest(["test", "-A", "--doc", ...targets, ...Deno.args]),
});

const rows: string[] = [];
const kernels = testKernels();
for (const kernel of kernels) {
  const sanitizers = kernelTraits(kernel).sanitizers;
  const files = sanitizers ? SANITIZER_RUN : CORE;
  const label = `${kernel}: ${sanitizers ? "sanitizer run" : "core scenarios"}`;
  console.log(`\n${label} (NSR_KERNEL=${kernel})`);
  runs.push({
    label,
    run: await denoTest(["test", "-A", ...files], { NSR_KERNEL: kernel }),
  });
}
if (!kernels.some((k) => kernelTraits(k).sanitizers)) {
  rows.push(
    "skipped: the sanitizer run (no kernel with KASAN and kmemleak " +
      "installed: ../shared/kernels/ has 6.18.35-nsr-debug)",
  );
}
if (!kernels.some((k) => !kernelTraits(k).legacyIptables)) {
  rows.push(
    "skipped: a kernel without legacy iptables (none installed: " +
      "../shared/kernels/ has 7.1.5-nsr)",
  );
}

let passed = 0;
let failed = 0;
console.log("\ntest runs:");
for (const { label, run } of runs) {
  passed += run.passed;
  failed += run.failed;
  console.log(
    `  ${label}: ${run.passed} passed, ${run.failed} failed, ` +
      `${run.ignored} skipped in ${run.seconds} s` +
      (run.failures.length ? `; failed: ${run.failures.join("; ")}` : ""),
  );
}
for (const row of rows) console.log(`  ${row}`);
console.log(`${passed} passed, ${failed} failed`);
Deno.exit(runs.every((r) => r.run.ok) ? 0 : 1);
