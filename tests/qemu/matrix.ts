/**
 * `deno task test:matrix`: the QEMU suite (tests/qemu/) on each kernel of
 * the matrix: Debian 12's 6.1, 6.12, and 6.12 PREEMPT_RT. Each run boots
 * that image with the module built against its headers (NSR_KERNEL tells
 * the harness which). Missing images are installed when run as root:
 *
 *     apt-get install linux-image-6.12-amd64 linux-headers-6.12-amd64 \
 *       linux-image-6.12-rt-amd64 linux-headers-6.12-rt-amd64
 *
 * Ends with one line per kernel and `N passed, M failed` over all of them.
 *
 * @module
 */

import { ensureHostTools } from "./_host.ts";
import { isRoot, repoRoot } from "./_util.ts";

interface Flavour {
  label: string;
  /** Matches the image version (the part after /boot/vmlinuz-). */
  match: RegExp;
  packages: string[];
}

const FLAVOURS: Flavour[] = [
  {
    label: "Debian 12 (6.1)",
    match: /^6\.1\.\d+-\d+-amd64$/,
    packages: ["linux-image-amd64", "linux-headers-amd64"],
  },
  {
    label: "6.12",
    match: /^6\.12\.[^-]*-amd64$/,
    packages: ["linux-image-6.12-amd64", "linux-headers-6.12-amd64"],
  },
  {
    label: "6.12 PREEMPT_RT",
    match: /^6\.12\.[^-]*-rt-amd64$/,
    packages: ["linux-image-6.12-rt-amd64", "linux-headers-6.12-rt-amd64"],
  },
];

/** The newest installed image of a flavour that also has its headers. */
function installed(flavour: Flavour): string | undefined {
  const versions = [...Deno.readDirSync("/boot")]
    .map((e) => e.name.match(/^vmlinuz-(.+)$/)?.[1])
    .filter((v): v is string => v !== undefined && flavour.match.test(v))
    .filter((v) => {
      try {
        return Deno.statSync(`/lib/modules/${v}/build`).isDirectory;
      } catch {
        return false;
      }
    })
    .sort((a, b) => b.localeCompare(a, "en", { numeric: true }));
  return versions[0];
}

async function install(packages: string[]): Promise<boolean> {
  console.log(`matrix: installing ${packages.join(" ")}`);
  const { success } = await new Deno.Command("apt-get", {
    args: ["install", "-y", "-q", "--no-install-recommends", ...packages],
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return success;
}

/** Runs the QEMU suite on one kernel; returns its counts. */
async function runSuite(kernel: string) {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "tests/qemu/", ...Deno.args],
    cwd: repoRoot(),
    env: { NSR_KERNEL: kernel, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    await Deno.stdout.write(chunk);
    text += decoder.decode(chunk, { stream: true });
  }
  const { code } = await child.status;
  const m = text.match(/\|\s*(\d+) passed.*?\|\s*(\d+) failed/);
  return {
    passed: m ? Number(m[1]) : 0,
    failed: m ? Number(m[2]) : 1,
    ok: code === 0 && m !== null,
    seconds: Math.round((performance.now() - started) / 1000),
    failures: [...text.matchAll(/^(.+?) \.\.\. FAILED/gm)].map((f) => f[1]),
  };
}

// QEMU, busybox, iptables… and Debian's own kernel first, as every suite run
// needs them; the flavours' images come next.
await ensureHostTools();
const rows: string[] = [];
let passed = 0;
let failed = 0;
for (const flavour of FLAVOURS) {
  let kernel = installed(flavour);
  if (!kernel && isRoot() && await install(flavour.packages)) {
    kernel = installed(flavour);
  }
  if (!kernel) {
    const cmd = `apt-get install ${flavour.packages.join(" ")}`;
    rows.push(`${flavour.label}: not installed; as root run: ${cmd}`);
    failed += 1;
    continue;
  }
  console.log(`\nmatrix: ${flavour.label} (${kernel})`);
  const r = await runSuite(kernel);
  passed += r.passed;
  failed += r.failed;
  rows.push(
    `${flavour.label} (${kernel}): ${r.passed} passed, ${r.failed} failed` +
      ` in ${r.seconds} s` +
      (r.failures.length ? `; failed: ${r.failures.join("; ")}` : ""),
  );
}
console.log("\nmatrix results:");
for (const row of rows) console.log(`  ${row}`);
console.log(`${passed} passed, ${failed} failed`);
Deno.exit(failed === 0 ? 0 : 1);
