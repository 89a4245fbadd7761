/**
 * `make -C kernel` builds the module against every installed kernel's
 * headers (Debian 6.1 and 6.12 here) with no warning at W=1 and no sparse
 * report at C=2, and the iptables extension with no compiler warning. The
 * build runs in a copy of kernel/ under tests/.work/ so that the tree's own
 * build output is left alone. Needs make, gcc, sparse, libxtables-dev and
 * linux-headers-<version> (tools/install-deps.sh installs them).
 *
 * @module
 */
import assert from "node:assert/strict";

const KERNEL_DIR = new URL("../kernel/", import.meta.url).pathname;
const WORK_DIR = new URL("./.work/kernel-build/", import.meta.url).pathname;

/** Kernel versions with headers in /lib/modules/<version>/build. */
function installedHeaders(): string[] {
  const versions: string[] = [];
  for (const entry of Deno.readDirSync("/lib/modules")) {
    try {
      Deno.statSync(`/lib/modules/${entry.name}/build/Makefile`);
      versions.push(entry.name);
    } catch {
      // a kernel without headers
    }
  }
  return versions.sort();
}

/** A fresh copy of the sources kernel/Makefile builds from. */
function copySources(dest: string): void {
  Deno.mkdirSync(dest, { recursive: true });
  for (const entry of Deno.readDirSync(KERNEL_DIR)) {
    if (/\.(c|h)$|^Kbuild$|^Makefile$/.test(entry.name)) {
      Deno.copyFileSync(`${KERNEL_DIR}${entry.name}`, `${dest}/${entry.name}`);
    }
  }
}

function freshDir(dest: string): void {
  try {
    Deno.removeSync(dest, { recursive: true });
  } catch {
    // not there yet
  }
  copySources(dest);
}

async function make(dir: string, args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command("make", {
    args: ["-C", dir, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout) +
    new TextDecoder().decode(stderr);
  return { code, text };
}

/** Compiler, sparse and modpost complaints; kbuild's notes are not. */
function complaints(text: string): string[] {
  return text.split("\n").filter((line) =>
    /\b(warning|error)\b|WARNING|ERROR/.test(line)
  );
}

function haveSparse(): boolean {
  try {
    new Deno.Command("sparse", { args: ["--version"] }).outputSync();
    return true;
  } catch {
    return false;
  }
}

Deno.test("kernel module builds warning-free at W=1 and sparse-clean (C=2)", async (t) => {
  const versions = installedHeaders();
  assert.ok(
    versions.length > 0,
    "no kernel headers in /lib/modules/*/build: apt-get install linux-headers-amd64",
  );
  assert.ok(haveSparse(), "sparse is not installed: apt-get install sparse");
  for (const version of versions) {
    await t.step(version, async () => {
      const dir = `${WORK_DIR}${version}`;
      freshDir(dir);
      const { code, text } = await make(dir, [
        `KVER=${version}`,
        `KDIR=/lib/modules/${version}/build`,
        "W=1",
        "C=2",
        "modules",
      ]);
      assert.equal(code, 0, `make failed for ${version}:\n${text}`);
      assert.deepEqual(complaints(text), [], text);
      assert.match(text, /CHECK\s+\S*nsr_target\.c/, "sparse did not run");

      const info = new TextDecoder().decode(
        (await new Deno.Command("modinfo", {
          args: [`${dir}/xt_SYSRQ.ko`],
          stdout: "piped",
        }).output()).stdout,
      );
      for (
        const want of [
          /^alias:\s+ipt_SYSRQ$/m,
          /^alias:\s+ip6t_SYSRQ$/m,
          /^parm:\s+passwd:/m,
          /^parm:\s+password:/m,
          /^parm:\s+tolerance:/m,
          /^parm:\s+debug:/m,
          new RegExp(`^vermagic:\\s+${version.replaceAll("+", "\\+")} `, "m"),
        ]
      ) {
        assert.match(info, want);
      }
    });
  }
});

Deno.test("iptables extension builds without compiler warnings", async () => {
  const dir = `${WORK_DIR}extension`;
  freshDir(dir);
  const { code, text } = await make(dir, ["libxt_SYSRQ.so"]);
  assert.equal(code, 0, `make libxt_SYSRQ.so failed:\n${text}`);
  assert.deepEqual(complaints(text), [], text);
  const symbols = new TextDecoder().decode(
    (await new Deno.Command("nm", {
      args: ["-D", `${dir}/libxt_SYSRQ.so`],
      stdout: "piped",
    }).output()).stdout,
  );
  assert.match(symbols, /\bU xtables_register_target\b/);
});
