/**
 * `deno task package`: build the server packages into `dist/`.
 *
 * - `netsysrq-<version>.tar.gz`, the source tarball both packages start from;
 * - `netsysrq-<version>-1.src.rpm` and `netsysrq-dkms-<version>-1.<arch>.rpm`
 *   with `rpmbuild` (from `packaging/netsysrq.spec.in`);
 * - `netsysrq-dkms_<version>_<arch>.deb` with `dpkg-deb`;
 * - the client's `send-sysrq_<version>_<arch>.deb` and
 *   `send-sysrq-<version>-1.<arch>.rpm` (packaging/client_package.ts).
 *
 * Both binary packages hold the xt_SYSRQ module's source for DKMS (under
 * `/usr/src/xt_SYSRQ-<version>/`), the iptables extension `libxt_SYSRQ.so`
 * and the `xt_SYSRQ(8)` man page. The version is deno.json's `version`.
 *
 * Usage: `deno run -A packaging/build.ts [--out DIR]
 * [--only rpm|deb|source|client]`
 *
 * @module
 */

import { parseArgs } from "node:util";
import { buildClientPackages } from "./client_package.ts";
import { run } from "./_run.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const here = `${root}/packaging`;

async function readVersion(): Promise<string> {
  const json = JSON.parse(await Deno.readTextFile(`${root}/deno.json`));
  const version = String(json.version ?? "");
  if (!/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(`deno.json "version" is not x.y.z: "${version}"`);
  }
  return version;
}

/** Fail early, in one line, when a build tool is missing. */
async function requireTools(names: string[]): Promise<void> {
  const missing: string[] = [];
  for (const name of names) {
    const found = await new Deno.Command("sh", {
      args: ["-c", `command -v ${name}`],
      stdout: "null",
    }).output();
    if (!found.success) missing.push(name);
  }
  if (missing.length > 0) {
    throw new Error(
      `missing tools: ${missing.join(", ")} ` +
        "(apt-get install rpm dpkg-dev pkg-config libxtables-dev)",
    );
  }
  if (!await exists(`${root}/kernel/dkms.conf`)) {
    throw new Error("kernel/dkms.conf is missing: no module source to package");
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The files that go into the source tarball, relative to the tree root. */
async function sourceFiles(): Promise<string[]> {
  const files: string[] = [];
  const kernelSource = /^(.*\.(c|h|man|t)|Makefile|Kbuild|dkms\.conf)$/;
  for await (const e of Deno.readDir(`${root}/kernel`)) {
    if (e.isFile && kernelSource.test(e.name) && !e.name.endsWith(".mod.c")) {
      files.push(`kernel/${e.name}`);
    }
  }
  for await (const e of Deno.readDir(here)) {
    if (e.isFile) files.push(`packaging/${e.name}`);
  }
  for await (const e of Deno.readDir(`${here}/debian`)) {
    if (e.isFile) files.push(`packaging/debian/${e.name}`);
  }
  const docs = [
    "docs/xt_SYSRQ.8",
    "docs/PROTOCOL.md",
    "README.md",
    "LICENSE",
    "deno.json",
  ];
  for (const f of docs) if (await exists(`${root}/${f}`)) files.push(f);
  return files.sort();
}

/** A reproducible tarball: sorted names, fixed owner and time, gzip -n. */
async function makeTarball(work: string, version: string): Promise<string> {
  const name = `netsysrq-${version}`;
  const stage = `${work}/${name}`;
  for (const f of await sourceFiles()) {
    const dir = f.includes("/") ? f.slice(0, f.lastIndexOf("/")) : "";
    await Deno.mkdir(`${stage}/${dir}`, { recursive: true });
    await Deno.copyFile(`${root}/${f}`, `${stage}/${f}`);
  }
  const tarball = `${work}/${name}.tar.gz`;
  const epoch = await sourceDateEpoch();
  await run("sh", [
    "-c",
    `tar --sort=name --owner=0 --group=0 --numeric-owner --mode=u+w,go-w ` +
    `--mtime=@${epoch} -cf - ${name} | gzip -9n > ${name}.tar.gz`,
  ], { cwd: work });
  return tarball;
}

/** The last commit's time, so rebuilding one commit gives the same tar. */
async function sourceDateEpoch(): Promise<string> {
  try {
    return (await run("git", ["-C", root, "log", "-1", "--format=%ct"]))
      .trim();
  } catch {
    return "0";
  }
}

async function buildRpm(
  work: string,
  tarball: string,
  version: string,
  out: string,
): Promise<string[]> {
  const top = `${work}/rpmbuild`;
  for (const d of ["SOURCES", "SPECS", "BUILD", "RPMS", "SRPMS"]) {
    await Deno.mkdir(`${top}/${d}`, { recursive: true });
  }
  await Deno.copyFile(tarball, `${top}/SOURCES/netsysrq-${version}.tar.gz`);
  const spec = (await Deno.readTextFile(`${here}/netsysrq.spec.in`))
    .replaceAll("@VERSION@", version);
  await Deno.writeTextFile(`${top}/SPECS/netsysrq.spec`, spec);
  // --nodeps: BuildRequires name RPM packages, which a Debian build host's
  // RPM database does not list even when the tools are installed.
  await run("rpmbuild", [
    "-ba",
    "--nodeps",
    "--define",
    `_topdir ${top}`,
    `${top}/SPECS/netsysrq.spec`,
  ]);
  const built: string[] = [];
  for (const dir of ["SRPMS", ...await subdirs(`${top}/RPMS`)]) {
    for await (const e of Deno.readDir(`${top}/${dir}`)) {
      if (!e.name.endsWith(".rpm")) continue;
      await Deno.copyFile(`${top}/${dir}/${e.name}`, `${out}/${e.name}`);
      built.push(`${out}/${e.name}`);
    }
  }
  return built;
}

async function subdirs(path: string): Promise<string[]> {
  const dirs: string[] = [];
  for await (const e of Deno.readDir(path)) {
    if (e.isDirectory) dirs.push(`RPMS/${e.name}`);
  }
  return dirs;
}

/** Debian's hardening flags, as dpkg-buildpackage would pass them. */
async function debBuildFlags(): Promise<Record<string, string>> {
  const get = async (v: string) =>
    (await run("dpkg-buildflags", ["--get", v])).trim();
  return { CFLAGS: await get("CFLAGS"), LDFLAGS: await get("LDFLAGS") };
}

/** The Depends entries for the extension's shared libraries. */
async function shlibDepends(work: string, so: string): Promise<string> {
  const dir = `${work}/shlibs`;
  await Deno.mkdir(`${dir}/debian`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/debian/control`,
    "Source: netsysrq\n\nPackage: netsysrq-dkms\nArchitecture: any\n",
  );
  const line = await run("dpkg-shlibdeps", ["-O", `-e${so}`], { cwd: dir });
  return line.trim().replace(/^shlibs:Depends=/, "");
}

async function buildDeb(
  work: string,
  version: string,
  out: string,
): Promise<string> {
  const pkg = `${work}/deb`;
  const arch = (await run("dpkg", ["--print-architecture"])).trim();
  const xtlibdir = (await run("pkg-config", ["--variable=xtlibdir", "xtables"]))
    .trim();
  const doc = `${pkg}/usr/share/doc/netsysrq-dkms`;
  await Deno.mkdir(`${pkg}/DEBIAN`, { recursive: true });
  await Deno.mkdir(`${pkg}${xtlibdir}`, { recursive: true });
  await Deno.mkdir(`${pkg}/usr/share/man/man8`, { recursive: true });
  await Deno.mkdir(doc, { recursive: true });

  await run("sh", [
    `${here}/copy_module_source.sh`,
    `${root}/kernel`,
    `${pkg}/usr/src/xt_SYSRQ-${version}`,
    "xt_SYSRQ",
    version,
  ]);

  const so = `${pkg}${xtlibdir}/libxt_SYSRQ.so`;
  await run("sh", [`${here}/build_extension.sh`, `${root}/kernel`, so], {
    env: await debBuildFlags(),
  });
  await run("strip", ["--strip-unneeded", "--remove-section=.comment", so]);
  await Deno.chmod(so, 0o644);

  await run("sh", [
    "-c",
    `gzip -9n < '${root}/docs/xt_SYSRQ.8' > '${pkg}/usr/share/man/man8/xt_SYSRQ.8.gz'`,
  ]);
  await Deno.copyFile(`${here}/debian/copyright`, `${doc}/copyright`);
  // README.md is the administrator's guide.
  for (const f of ["README.md", "docs/PROTOCOL.md"]) {
    await Deno.copyFile(`${root}/${f}`, `${doc}/${f.replace(/^docs\//, "")}`);
  }

  const size = (await run("du", ["-sk", "--exclude=DEBIAN", pkg])).split(
    "\t",
  )[0];
  const fill = (text: string) =>
    text.replaceAll("@VERSION@", version).replaceAll("@ARCH@", arch)
      .replaceAll("@SIZE@", size);
  const control = fill(
    await Deno.readTextFile(`${here}/debian/control.in`),
  ).replace("@SHLIBS@", await shlibDepends(work, so));
  await Deno.writeTextFile(`${pkg}/DEBIAN/control`, control);
  for (const script of ["postinst", "prerm"]) {
    const text = fill(await Deno.readTextFile(`${here}/debian/${script}`));
    await Deno.writeTextFile(`${pkg}/DEBIAN/${script}`, text);
    await Deno.chmod(`${pkg}/DEBIAN/${script}`, 0o755);
  }
  await run("sh", [
    "-c",
    "find usr -type f | LC_ALL=C sort | xargs md5sum > DEBIAN/md5sums",
  ], { cwd: pkg });
  // Directories 0755 and files 0644 whatever the umask of the build.
  await run("sh", [
    "-c",
    "find usr -type d -exec chmod 0755 {} + && " +
    "find usr -type f -exec chmod 0644 {} +",
  ], { cwd: pkg });

  const deb = `${out}/netsysrq-dkms_${version}_${arch}.deb`;
  await run("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", pkg, deb]);
  return deb;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      out: { type: "string", default: `${root}/dist` },
      only: { type: "string" },
    },
  });
  const only = values.only;
  if (
    only !== undefined && !["rpm", "deb", "source", "client"].includes(only)
  ) {
    throw new Error(`--only takes rpm, deb, source or client, not "${only}"`);
  }
  const rpm = only === undefined || only === "rpm";
  const deb = only === undefined || only === "deb";
  const client = only === undefined || only === "client";
  await requireTools([
    ...(rpm || client ? ["rpmbuild"] : []),
    ...(deb ? ["dpkg-deb", "dpkg-shlibdeps"] : []),
    ...(client ? ["dpkg-deb", "node", "npx"] : []),
    "cc",
    "pkg-config",
    "tar",
    "gzip",
  ]);
  const version = await readVersion();
  const out = values.out;
  await Deno.mkdir(out, { recursive: true });
  const work = await Deno.makeTempDir({ prefix: "netsysrq-package-" });
  try {
    const started = performance.now();
    const built: string[] = [];
    if (only !== "client") {
      const tarball = await makeTarball(work, version);
      await Deno.copyFile(tarball, `${out}/netsysrq-${version}.tar.gz`);
      built.push(`${out}/netsysrq-${version}.tar.gz`);
      if (rpm) built.push(...await buildRpm(work, tarball, version, out));
      if (deb) built.push(await buildDeb(work, version, out));
    }
    if (client) {
      built.push(
        ...await buildClientPackages(work, version, out, {
          deb: true,
          rpm: true,
        }),
      );
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    for (const f of built) console.log(f);
    console.log(`packages built in ${seconds} s`);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

if (import.meta.main) {
  try {
    await main();
  } catch (e) {
    console.error(`package: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
