/**
 * `deno task test`: every suite in one `deno test` run (unit tests, JSDoc
 * examples, the C verifier harness, the client, the QEMU suite), then one
 * summary line `N passed, M failed` for CI.
 *
 * @module
 */

const targets = ["mod.ts", "core/", "cli/", "tests/"];

// The C harness, the packages and the QEMU suite need Debian packages: as
// root this installs what is missing; otherwise it names the apt-get line
// and the suites that need them fail, each saying what it lacks.
const deps = new URL("../tools/install-deps.sh", import.meta.url).pathname;
await new Deno.Command("bash", { args: [deps] }).spawn().status;

const extra = Deno.args;

const child = new Deno.Command(Deno.execPath(), {
  args: ["test", "-A", "--doc", ...targets, ...extra],
  stdout: "piped",
  stderr: "inherit",
}).spawn();

const decoder = new TextDecoder();
let tail = "";
let passed = 0;
let failed = 0;
let sawSummary = false;
for await (const chunk of child.stdout) {
  await Deno.stdout.write(chunk);
  tail += decoder.decode(chunk, { stream: true });
  const lines = tail.split("\n");
  tail = lines.pop() ?? "";
  for (const line of lines) {
    // deno test ends with "ok | 12 passed | 0 failed (1s)" or "FAILED | …"
    // Strip the colour codes deno test writes around its counts.
    // deno-lint-ignore no-control-regex
    const plain = line.replace(/\x1b\[[0-9;]*m/g, "");
    const m = plain.match(/\|\s*(\d+) passed.*?\|\s*(\d+) failed/);
    if (m) {
      passed = Number(m[1]);
      failed = Number(m[2]);
      sawSummary = true;
    }
  }
}
const { code } = await child.status;
if (!sawSummary) failed = Math.max(failed, 1);
console.log(`${passed} passed, ${failed} failed`);
Deno.exit(code === 0 && sawSummary ? 0 : 1);
