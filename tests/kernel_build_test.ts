/**
 * `make -C kernel` builds the module against every installed kernel's
 * headers (Debian 12's 6.1 and 6.12, 6.12-rt, and the test kernels 6.18
 * and 7.1 when installed) with no warning at W=1 and no sparse report at
 * C=2, and the iptables extension with no compiler warning. The build runs
 * in a copy of kernel/ under tests/.work/ so that the tree's own build
 * output is left alone. Needs make, gcc, sparse, libxtables-dev and
 * linux-headers-<version> (tools/install-deps.sh installs them).
 *
 * It ends with a table of the kernel lines it built and those it skipped,
 * and why. Set NSR_KERNEL_SRC to a patched copy of kernel/ to watch it fail.
 *
 * @module
 */
import assert from "node:assert/strict";
import { testKernelsDir } from "./_kernels.ts";

const KERNEL_DIR = Deno.env.get("NSR_KERNEL_SRC")?.replace(/\/?$/, "/") ??
  new URL("../kernel/", import.meta.url).pathname;
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

/** The kernel lines we support, each with how to get its headers. */
const LINES: { line: string; match: RegExp; get: string }[] = [
  {
    line: "6.1 (Debian 12)",
    match: /^6\.1\.\d+-\d+-amd64$/,
    get: "apt-get install linux-headers-amd64",
  },
  {
    line: "6.12 (Debian 12)",
    match: /^6\.12\.\d+\+deb12-amd64$/,
    get: "apt-get install linux-headers-6.12-amd64",
  },
  {
    line: "6.12-rt (Debian 12)",
    match: /^6\.12\.\d+\+deb12-rt-amd64$/,
    get: "apt-get install linux-headers-6.12-rt-amd64",
  },
  {
    line: "6.18 LTS debug (test kernel)",
    match: /^6\.18\.\d+-nsr-debug$/,
    get: "tools/install-deps.sh with ../shared/kernels",
  },
  {
    line: "7.1 (test kernel)",
    match: /^7\.1\.\d+-nsr$/,
    get: "tools/install-deps.sh with ../shared/kernels",
  },
];

/** Header versions the test-kernel folder offers, installed or not. */
function offeredTestKernels(): string[] {
  const dir = testKernelsDir();
  if (!dir) return [];
  return [...Deno.readDirSync(dir)]
    .map((e) => e.name.match(/^linux-headers-(.+?)_.*\.deb$/)?.[1])
    .filter((v): v is string => v !== undefined);
}

/** A fresh copy of the sources kernel/Makefile builds from. */
function freshDir(dest: string): void {
  try {
    Deno.removeSync(dest, { recursive: true });
  } catch {
    // not there yet
  }
  Deno.mkdirSync(dest, { recursive: true });
  for (const entry of Deno.readDirSync(KERNEL_DIR)) {
    if (/\.(c|h)$|^Kbuild$|^Makefile$/.test(entry.name)) {
      Deno.copyFileSync(`${KERNEL_DIR}${entry.name}`, `${dest}/${entry.name}`);
    }
  }
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

/**
 * Kbuild's own note that it turned C= off: 7.1's (not 6.18's) first
 * checks that sparse understands __typeof_unqual__, which Debian 12's
 * sparse 0.6.4 does not.
 */
const SPARSE_TOO_OLD = /C=\d specified, but \S+ is not available or not up/;

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

/** One row of the closing table. */
interface Row {
  line: string;
  version: string;
  result: string;
}

const rows: Row[] = [];

function lineOf(version: string): string {
  return LINES.find((l) => l.match.test(version))?.line ?? "other";
}

async function buildFor(version: string): Promise<Row> {
  const dir = `${WORK_DIR}${version}`;
  freshDir(dir);
  const started = performance.now();
  const { code, text } = await make(dir, [
    `KVER=${version}`,
    `KDIR=/lib/modules/${version}/build`,
    "W=1",
    "C=2",
    "modules",
  ]);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  assert.equal(code, 0, `make failed for ${version}:\n${text}`);
  assert.deepEqual(complaints(text), [], text);
  let sparse = "sparse clean";
  if (SPARSE_TOO_OLD.test(text)) {
    sparse = "sparse not run (Kbuild: sparse too old for this kernel)";
  } else {
    assert.match(text, /CHECK\s+\S*nsr_target\.c/, "sparse did not run");
  }
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
  return {
    line: lineOf(version),
    version,
    result: `built, W=1 clean, ${sparse}, ${seconds} s`,
  };
}

/** The supported lines with no installed headers, and how to get them. */
function skippedLines(versions: string[]): Row[] {
  const offered = offeredTestKernels();
  const skipped: Row[] = [];
  for (const l of LINES) {
    if (versions.some((v) => l.match.test(v))) continue;
    const deb = offered.find((v) => l.match.test(v));
    const why = deb
      ? `skipped: ${deb} offered in ${testKernelsDir()}, not installed ` +
        "(tools/install-deps.sh)"
      : `skipped: no headers installed (${l.get})`;
    skipped.push({ line: l.line, version: "-", result: why });
  }
  return skipped;
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
      rows.push(await buildFor(version));
    });
  }
  rows.push(...skippedLines(versions));
  console.log(
    rows.map((r) =>
      `  ${r.line.padEnd(30)} ${r.version.padEnd(24)} ${r.result}`
    )
      .join("\n"),
  );
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
