/**
 * The server packages and the man pages (issue 7): `packaging/build.ts`
 * builds a source RPM, a binary RPM and a DKMS `.deb`; they list the
 * expected files; the `.deb` installs here, DKMS builds the module for
 * every installed kernel with headers (Debian's 6.1 and 6.12, and the test
 * kernels 6.18 and 7.1 when installed), and removing the package removes
 * it all.
 * The man pages render without groff warnings and document exactly the
 * module parameters and rule options that exist.
 *
 * Needs root (dpkg -i) and the Debian packages rpm, dkms, dpkg-dev,
 * groff-base, libxtables-dev, iptables and linux-headers-amd64.
 *
 * @module
 */

import assert from "node:assert/strict";
import { exists } from "./qemu/_util.ts";
import { mustRun, runCommand } from "./_testing.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const version: string =
  JSON.parse(Deno.readTextFileSync(`${root}/deno.json`)).version;
const MODULE = "xt_SYSRQ";
const DEB_NAME = "netsysrq-dkms";

const sh = (cmd: string, args: string[], env: Record<string, string> = {}) =>
  runCommand(cmd, args, { env });

/** Run and insist on success, showing the output when it fails. */
const ok = (cmd: string, args: string[], env: Record<string, string> = {}) =>
  mustRun(cmd, args, { env });

/** Why the kernel-side tests cannot run yet, or undefined when they can. */
function missingKernelSources(): string | undefined {
  for (const f of ["dkms.conf", "Kbuild", "libxt_SYSRQ.c"]) {
    if (!exists(`${root}/kernel/${f}`)) return `kernel/${f} is missing`;
  }
  return undefined;
}

const missing = missingKernelSources();
if (missing) {
  console.log(`packaging tests skipped: ${missing} (kernel sources not there)`);
}
const isRoot = Deno.uid() === 0;

/** The kernel version of Debian's installed image (linux-image-amd64). */
async function debianKernel(): Promise<string> {
  const dep = await ok("dpkg-query", [
    "-W",
    "-f=${Depends}",
    "linux-image-amd64",
  ]);
  const m = dep.match(/linux-image-(\S+)/);
  assert.ok(m, `cannot read the image version from "${dep}"`);
  return m[1];
}

/** Options (--sysrq-...) named in a man page or help text. */
function sysrqOptions(text: string): string[] {
  const plain = text.replaceAll("\\-", "-");
  return [...new Set(plain.match(/--sysrq-[a-z-]*[a-z]/g) ?? [])].sort();
}

// ---------------------------------------------------------------- man pages

/** groff's warnings for a page, with -ww (all warnings) and -man. */
async function groffWarnings(source: string): Promise<string> {
  const tmp = await Deno.makeTempFile({ suffix: ".man" });
  try {
    await Deno.writeTextFile(tmp, source);
    const r = await sh("groff", ["-man", "-ww", "-Tutf8", "-z", tmp]);
    return `${r.stderr}${r.code === 0 ? "" : `exit ${r.code}`}`;
  } finally {
    await Deno.remove(tmp);
  }
}

Deno.test("groff -ww reports a broken man page (the check can fail)", async () => {
  const broken = ".TH X 8\n.SH NAME\nx \\- y\n.BX undefined macro\n";
  assert.notEqual(await groffWarnings(broken), "");
});

const manPages = [
  "docs/xt_SYSRQ.8",
  "cli/send_sysrq.1",
  "kernel/libxt_SYSRQ.man",
];
for (const page of manPages) {
  Deno.test({
    name: `man page ${page} renders with groff -man -ww without warnings`,
    ignore: !exists(`${root}/${page}`),
    fn: async () => {
      let text = await Deno.readTextFile(`${root}/${page}`);
      // An iptables extension fragment is a section of iptables-extensions(8):
      // give it the page header it gets there.
      if (page.endsWith(".man")) {
        text = `.TH IPTABLES-EXTENSIONS 8\n.SH TARGETS\n.SS SYSRQ\n${text}`;
      }
      assert.equal(await groffWarnings(text), "");
    },
  });
}
for (const page of manPages) {
  if (!exists(`${root}/${page}`)) {
    console.log(`man page ${page} not there yet: its render test is ignored`);
  }
}

/** packaging/xt_help.c, compiled once: an extension's help, no kernel. */
let xtHelpBinary: string | undefined;
async function extensionHelp(so: string): Promise<string> {
  if (!xtHelpBinary) {
    const bin = `${await Deno.makeTempDir()}/xt_help`;
    const cflags = (await ok("pkg-config", ["--cflags", "xtables"])).trim();
    await ok("sh", [
      "-c",
      `cc -Wall -Wextra -O2 -rdynamic -o '${bin}' ` +
      `'${root}/packaging/xt_help.c' ${cflags} -ldl`,
    ]);
    xtHelpBinary = bin;
  }
  return await ok(xtHelpBinary, [so, "SYSRQ"]);
}

/** The options an extension declares (its x6_options table). */
function declaredOptions(xtHelpOutput: string): string[] {
  return [...xtHelpOutput.matchAll(/^option (--\S+)$/gm)].map((m) => m[1])
    .sort();
}

Deno.test({
  name: "xt_SYSRQ(8) documents exactly the iptables extension's options",
  ignore: missing !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const so = `${dir}/libxt_SYSRQ.so`;
      await ok("sh", [
        `${root}/packaging/build_extension.sh`,
        `${root}/kernel`,
        so,
      ]);
      const out = await extensionHelp(so);
      const declared = declaredOptions(out);
      assert.ok(declared.length > 0, `no options declared:\n${out}`);
      const help = out.replace(/^option .*\n/gm, "");
      assert.deepEqual(sysrqOptions(help), declared, "the help text");
      const page = await Deno.readTextFile(`${root}/docs/xt_SYSRQ.8`);
      assert.deepEqual(sysrqOptions(page), declared, "xt_SYSRQ(8)");
      const fragment = `${root}/kernel/libxt_SYSRQ.man`;
      if (exists(fragment)) {
        const text = await Deno.readTextFile(fragment);
        assert.deepEqual(sysrqOptions(text), declared, "libxt_SYSRQ.man");
      }
      const admin = await Deno.readTextFile(`${root}/README.md`);
      assert.deepEqual(sysrqOptions(admin), declared, "README.md");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "README.md names only client options that send_sysrq has",
  ignore: !exists(`${root}/cli/main.ts`),
  fn: async () => {
    const help = await ok(Deno.execPath(), [
      "run",
      "-A",
      `${root}/cli/main.ts`,
      "--help",
    ]);
    const admin = await Deno.readTextFile(`${root}/README.md`);
    const section = admin.split(/^## /m).find((s) =>
      s.startsWith("Client usage")
    );
    assert.ok(section, "no Client usage section");
    // Lines that show another tool's command (the rule, sysctl, Ansible)
    // and the rule's own --sysrq-* options are not the client's.
    const others = /\b(iptables|ip6tables|sysctl|ansible-inventory|nft)\b/;
    const clientText = section.split("\n").filter((l) => !others.test(l))
      .join("\n");
    const named = new Set(
      (clientText.match(/--[a-z][a-z-]*[a-z]/g) ?? []).filter((o) =>
        !o.startsWith("--sysrq-")
      ),
    );
    assert.ok(named.size > 0);
    const unknown = [...named].filter((o) => !help.includes(o));
    assert.deepEqual(unknown, [], "not in send_sysrq --help");
  },
});

/** The module parameters named in xt_SYSRQ(8)'s MODULE PARAMETERS section. */
function documentedParameters(page: string): string[] {
  const section =
    page.split(/^\.SH /m).find((s) => s.startsWith("MODULE PARAMETERS")) ?? "";
  return [...section.matchAll(/^\.BI ([a-z_]+)=/gm)].map((m) => m[1]).sort();
}

// ----------------------------------------------------------------- packages

/** Build into a scratch directory; returns it and the seconds it took. */
async function buildPackages(): Promise<{ dir: string; seconds: number }> {
  const dir = await Deno.makeTempDir({ prefix: "netsysrq-dist-" });
  const started = performance.now();
  await ok(Deno.execPath(), [
    "run",
    "-A",
    `${root}/packaging/build.ts`,
    "--out",
    dir,
  ]);
  return { dir, seconds: (performance.now() - started) / 1000 };
}

Deno.test({
  name: "the source tarball is byte-for-byte reproducible",
  ignore: missing !== undefined,
  fn: async () => {
    const sums: string[] = [];
    for (let i = 0; i < 2; i++) {
      const dir = await Deno.makeTempDir({ prefix: "netsysrq-src-" });
      try {
        await ok(Deno.execPath(), [
          "run",
          "-A",
          `${root}/packaging/build.ts`,
          "--only",
          "source",
          "--out",
          dir,
        ]);
        const tarball = `${dir}/netsysrq-${version}.tar.gz`;
        sums.push((await ok("sha256sum", [tarball])).split(" ")[0]);
        if (i === 0) {
          const names = await ok("tar", ["-tzf", tarball]);
          const top = `netsysrq-${version}/`;
          for (const f of ["kernel/dkms.conf", "packaging/netsysrq.spec.in"]) {
            assert.ok(names.includes(`${top}${f}\n`), `${f} not in tarball`);
          }
          assert.doesNotMatch(names, /\.(o|ko|so)\n/, "build products");
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }
    assert.equal(sums[0], sums[1]);
  },
});

Deno.test({
  name: "packages: build, list their files, install with DKMS, uninstall",
  ignore: missing !== undefined,
  sanitizeResources: false,
  fn: async (t) => {
    const { dir, seconds } = await buildPackages();
    console.log(`package build: ${seconds.toFixed(1)} s`);
    const srpm = `${dir}/netsysrq-${version}-1.src.rpm`;
    const arch = (await ok("rpm", ["--eval", "%_arch"])).trim();
    const rpm = `${dir}/netsysrq-dkms-${version}-1.${arch}.rpm`;
    const debArch = (await ok("dpkg", ["--print-architecture"])).trim();
    const deb = `${dir}/${DEB_NAME}_${version}_${debArch}.deb`;
    const xtlibdir =
      (await ok("pkg-config", ["--variable=xtlibdir", "xtables"])).trim();
    const src = `/usr/src/${MODULE}-${version}`;
    const moduleFiles = [
      "dkms.conf",
      "Kbuild",
      "Makefile",
      "nsr_target.c",
      "nsr_verify.c",
      "nsr_verify.h",
      "nsr_proto.h",
      "xt_SYSRQ.h",
    ];

    try {
      await t.step(
        "the source RPM holds the spec and the tarball",
        async () => {
          const files = (await ok("rpm", ["-qpl", srpm])).trim().split("\n");
          assert.deepEqual(files.sort(), [
            `netsysrq-${version}.tar.gz`,
            "netsysrq.spec",
          ]);
          const info = await ok("rpm", [
            "-qp",
            "--qf",
            "%{NAME} %{VERSION} %{LICENSE}",
            srpm,
          ]);
          assert.equal(info, `netsysrq ${version} GPL-2.0-only`);
        },
      );

      await t.step(
        "the binary RPM holds source, extension, man page",
        async () => {
          const files = (await ok("rpm", ["-qpl", rpm])).trim().split("\n");
          for (const f of moduleFiles) {
            assert.ok(files.includes(`${src}/${f}`), f);
          }
          assert.ok(files.includes(`${xtlibdir}/libxt_SYSRQ.so`));
          assert.ok(
            files.some((f) => /^\/usr\/share\/man\/man8\/xt_SYSRQ\.8/.test(f)),
          );
          const built = files.filter((f) => /\.(o|ko|mod\.c|cmd)$/.test(f));
          assert.deepEqual(built, [], "build products in the package");
          const scripts = await ok("rpm", ["-qp", "--scripts", rpm]);
          assert.match(
            scripts,
            new RegExp(`dkms add -m ${MODULE} -v ${version}`),
          );
          assert.match(
            scripts,
            new RegExp(`dkms remove -m ${MODULE} -v ${version} --all`),
          );
        },
      );

      await t.step(
        "the source RPM rebuilds to the same file list",
        async () => {
          const top = `${dir}/rebuild`;
          await ok("rpmbuild", [
            "--rebuild",
            "--nodeps", // BuildRequires are RPM names; a Debian host has none
            "--define",
            `_topdir ${top}`,
            srpm,
          ]);
          const rebuilt = `${top}/RPMS/${arch}/${rpm.split("/").pop()}`;
          assert.deepEqual(
            await ok("rpm", ["-qpl", rebuilt]),
            await ok("rpm", ["-qpl", rpm]),
          );
        },
      );

      await t.step("the .deb holds source, extension, man page", async () => {
        const listing = await ok("dpkg-deb", ["-c", deb]);
        const files = listing.trim().split("\n").map((l) =>
          l.replace(/^.* \.\//, "/")
        );
        for (const f of moduleFiles) {
          assert.ok(files.includes(`${src}/${f}`), f);
        }
        assert.ok(files.includes(`${xtlibdir}/libxt_SYSRQ.so`));
        assert.ok(files.includes("/usr/share/man/man8/xt_SYSRQ.8.gz"));
        assert.ok(files.includes(`/usr/share/doc/${DEB_NAME}/copyright`));
        const built = files.filter((f) => /\.(o|ko|mod\.c|cmd)$/.test(f));
        assert.deepEqual(built, [], "build products in the package");
        const field = (name: string) => ok("dpkg-deb", ["-f", deb, name]);
        assert.equal((await field("Package")).trim(), DEB_NAME);
        assert.equal((await field("Version")).trim(), version);
        assert.match(await field("Depends"), /\bdkms\b.*\blibxtables12\b/);
        // DKMS reads the version from dkms.conf: it must be the package's.
        const conf = await ok("sh", [
          "-c",
          `dpkg-deb --fsys-tarfile '${deb}' | tar -xO .${src}/dkms.conf`,
        ]);
        assert.match(conf, new RegExp(`^PACKAGE_VERSION="${version}"$`, "m"));
        assert.match(conf, new RegExp(`^PACKAGE_NAME="${MODULE}"$`, "m"));
      });

      await t.step({
        name:
          "the .deb installs; DKMS builds the module for every kernel; removal cleans up",
        ignore: !isRoot,
        fn: async () => {
          await installBuildRemove(deb, xtlibdir);
        },
      });
      if (!isRoot) console.log("install step skipped: needs root for dpkg -i");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Kernel versions with headers, which DKMS can build for. */
function kernelsWithHeaders(): string[] {
  return [...Deno.readDirSync("/lib/modules")]
    .map((e) => e.name)
    .filter((v) => exists(`/lib/modules/${v}/build/Makefile`))
    .sort();
}

const reEscape = (s: string) => s.replace(/[+.]/g, "\\$&");

/**
 * dpkg -i; DKMS has built and installed the module for every kernel with
 * headers (the postinst builds for all when, as here, the running kernel is
 * not installed; `dkms install` covers the rest); checks; dpkg -r; checks.
 */
async function installBuildRemove(deb: string, xtlibdir: string) {
  const kernel = await debianKernel();
  const kernels = kernelsWithHeaders();
  assert.ok(
    kernels.includes(kernel),
    `no headers for ${kernel}: apt-get install linux-headers-amd64`,
  );
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const installed = new Map<string, string>();
  // A leftover from an interrupted run would make the checks meaningless.
  await sh("dpkg", ["--purge", DEB_NAME], env);
  try {
    let started = performance.now();
    await ok("dpkg", ["-i", deb], env);
    const installSeconds = (performance.now() - started) / 1000;
    assert.ok(exists(`/usr/src/${MODULE}-${version}/dkms.conf`));
    assert.ok(exists(`${xtlibdir}/libxt_SYSRQ.so`));
    assert.match(await ok("man", ["-w", "xt_SYSRQ"]), /man8\/xt_SYSRQ\.8/);

    const times: string[] = [];
    for (const k of kernels) {
      const dkmsArgs = ["-m", MODULE, "-v", version, "-k", k];
      const before = await ok("dkms", ["status", ...dkmsArgs]);
      if (!/: installed/.test(before)) {
        started = performance.now();
        await ok("dkms", ["install", ...dkmsArgs]);
        times.push(
          `${k} ${((performance.now() - started) / 1000).toFixed(1)} s`,
        );
      }
      const status = await ok("dkms", ["status", "-m", MODULE, "-k", k]);
      assert.match(
        status,
        new RegExp(`${MODULE}/${version}, ${reEscape(k)}, .*: installed`),
      );
      // depmod ran: modinfo finds it by name for that kernel (DKMS
      // compresses it as the kernel's own modules are, e.g. .ko.xz on 6.12).
      const info = await ok("modinfo", ["-k", k, MODULE]);
      const file = info.match(/^filename: +(\S+)$/m)?.[1] ?? "";
      assert.match(
        file,
        new RegExp(`^/lib/modules/${reEscape(k)}/updates/dkms/${MODULE}\\.ko`),
      );
      assert.match(info, new RegExp(`^vermagic: +${reEscape(k)} `, "m"));
      for (const alias of ["ipt_SYSRQ", "ip6t_SYSRQ"]) {
        assert.match(info, new RegExp(`^alias: +${alias}$`, "m"));
      }
      installed.set(k, file);
    }
    console.log(
      `dpkg -i, its postinst building for ${kernels.length} kernels ` +
        `(${kernels.join(", ")}): ${installSeconds.toFixed(1)} s` +
        (times.length ? `; then dkms install: ${times.join(", ")}` : ""),
    );

    // The man page documents exactly the parameters the module has.
    const parms = (await ok("modinfo", ["-k", kernel, "-F", "parm", MODULE]))
      .trim().split("\n").map((l) => l.split(":")[0]).sort();
    const page = await Deno.readTextFile(`${root}/docs/xt_SYSRQ.8`);
    assert.deepEqual(documentedParameters(page), parms);

    // The installed extension registers the SYSRQ target with its options.
    // (iptables itself will not load it here: the host's kernel cannot load
    // the module, and iptables asks the kernel first.)
    const help = await extensionHelp(`${xtlibdir}/libxt_SYSRQ.so`);
    assert.ok(declaredOptions(help).includes("--sysrq-keys"), help);
  } finally {
    await sh("dpkg", ["-r", DEB_NAME], env);
  }
  // Also stderr: with its source gone, dkms complains there about leftovers.
  const left = await sh("dkms", ["status", "-m", MODULE]);
  const said = `${left.stdout}${left.stderr}`.trim();
  assert.equal(said, "", `dkms still knows the module: ${said}`);
  for (
    const gone of [
      `/usr/src/${MODULE}-${version}`,
      `/var/lib/dkms/${MODULE}`,
      ...installed.values(),
      `${xtlibdir}/libxt_SYSRQ.so`,
      "/usr/share/man/man8/xt_SYSRQ.8.gz",
    ]
  ) {
    assert.ok(!exists(gone), `${gone} left behind after dpkg -r`);
  }
  for (const k of installed.keys()) {
    const after = await sh("modinfo", ["-k", k, MODULE]);
    assert.notEqual(after.code, 0, `modinfo still finds the module for ${k}`);
  }
  const pkg = await sh("dpkg-query", ["-W", "-f=${Status}", DEB_NAME]);
  assert.ok(!pkg.stdout.includes("installed"), pkg.stdout);
}
