/**
 * The client packages for a jump host: `send-sysrq_<version>_<arch>.deb`
 * and `send-sysrq-<version>-1.<arch>.rpm`, each holding the standalone
 * `send_sysrq` binary (the Node single-executable application of
 * `deno task compile:node`: `deno compile` needs Deno's download host,
 * unreachable here) as `/usr/bin/send_sysrq`, and `send_sysrq(1)`.
 *
 * The binary is Node with the client injected (postject): it is not
 * stripped and RPM's post-install scripts (strip, debuginfo) are turned
 * off, since stripping may drop the injected program.
 *
 * @module
 */

import { compileNode } from "../cli/build.ts";
import { run } from "./_run.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

const SUMMARY = "send magic SysRq keys to hung Linux servers (client)";
const DESCRIPTION = [
  "send_sysrq sends magic SysRq keys (sync, remount read-only, reboot...)",
  "to hung Linux servers running the xt_SYSRQ netfilter target, with one",
  "authenticated UDP packet each, and reports each server's",
  "acknowledgement; --check probes the servers without running a key.",
  "A standalone binary: it needs neither Deno nor Node.",
];

/** Lay out /usr/bin/send_sysrq and its man page under `tree`. */
async function layOut(tree: string, binary: string): Promise<void> {
  await Deno.mkdir(`${tree}/usr/bin`, { recursive: true });
  await Deno.mkdir(`${tree}/usr/share/man/man1`, { recursive: true });
  await Deno.copyFile(binary, `${tree}/usr/bin/send_sysrq`);
  await Deno.chmod(`${tree}/usr/bin/send_sysrq`, 0o755);
  await run("sh", [
    "-c",
    `gzip -9n < '${root}/cli/send_sysrq.1' > '${tree}/usr/share/man/man1/send_sysrq.1.gz'`,
  ]);
  await Deno.chmod(`${tree}/usr/share/man/man1/send_sysrq.1.gz`, 0o644);
}

async function buildDeb(
  work: string,
  binary: string,
  version: string,
  out: string,
) {
  const pkg = `${work}/client-deb`;
  await layOut(pkg, binary);
  await Deno.mkdir(`${pkg}/DEBIAN`, { recursive: true });
  const arch = (await run("dpkg", ["--print-architecture"])).trim();
  const size = (await run("du", ["-sk", pkg])).split("\t")[0];
  await Deno.writeTextFile(
    `${pkg}/DEBIAN/control`,
    [
      "Package: send-sysrq",
      `Version: ${version}`,
      `Architecture: ${arch}`,
      "Maintainer: netsysrq developers <netsysrq@localhost>",
      `Installed-Size: ${size}`,
      "Depends: libc6, libstdc++6",
      "Section: admin",
      "Priority: optional",
      `Description: ${SUMMARY}`,
      ...DESCRIPTION.map((line) => ` ${line}`),
      "",
    ].join("\n"),
  );
  await run("sh", [
    "-c",
    "find usr -type f | LC_ALL=C sort | xargs md5sum > DEBIAN/md5sums",
  ], { cwd: pkg });
  const deb = `${out}/send-sysrq_${version}_${arch}.deb`;
  // gzip: xz on the ~95 MB binary costs a minute of a shared CPU.
  await run("dpkg-deb", ["--root-owner-group", "-Zgzip", "--build", pkg, deb]);
  return deb;
}

async function buildRpm(
  work: string,
  binary: string,
  version: string,
  out: string,
) {
  const top = `${work}/client-rpm`;
  const tree = `${top}/tree`;
  await layOut(tree, binary);
  const spec = `${top}/send-sysrq.spec`;
  await Deno.writeTextFile(
    spec,
    [
      "Name: send-sysrq",
      `Version: ${version}`,
      "Release: 1",
      `Summary: ${SUMMARY}`,
      "License: GPL-2.0-only",
      "AutoReqProv: no",
      // The injected binary must not be stripped or split for debuginfo.
      "%global debug_package %{nil}",
      "%global __os_install_post %{nil}",
      "%global _build_id_links none",
      "%global _binary_payload w6.gzdio",
      "%description",
      ...DESCRIPTION,
      "%install",
      `cp -a ${tree}/. %{buildroot}/`,
      "%files",
      "%attr(0755,root,root) /usr/bin/send_sysrq",
      "%attr(0644,root,root) /usr/share/man/man1/send_sysrq.1.gz",
      "",
    ].join("\n"),
  );
  await run("rpmbuild", [
    "--define",
    `_topdir ${top}`,
    "--define",
    `_rpmdir ${top}/RPMS`,
    "-bb",
    spec,
  ]);
  const built: string[] = [];
  for await (const dir of Deno.readDir(`${top}/RPMS`)) {
    for await (const f of Deno.readDir(`${top}/RPMS/${dir.name}`)) {
      await Deno.copyFile(
        `${top}/RPMS/${dir.name}/${f.name}`,
        `${out}/${f.name}`,
      );
      built.push(`${out}/${f.name}`);
    }
  }
  return built;
}

/**
 * Build the client's binary once, then the packages asked for; returns
 * their paths.
 */
export async function buildClientPackages(
  work: string,
  version: string,
  out: string,
  which: { deb: boolean; rpm: boolean },
): Promise<string[]> {
  const binary = await compileNode(`${work}/send_sysrq`);
  const built: string[] = [];
  if (which.deb) built.push(await buildDeb(work, binary, version, out));
  if (which.rpm) built.push(...await buildRpm(work, binary, version, out));
  return built;
}
