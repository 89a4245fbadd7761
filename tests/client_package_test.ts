/**
 * The client packages (issue 17): `packaging/build.ts --only client` makes
 * a `.deb` and an RPM that hold the standalone `send_sysrq` and
 * `send_sysrq(1)`; the binary, unpacked from each and run alone with an
 * empty PATH, gets an ack from the loopback test responder.
 *
 * @module
 */

import assert from "node:assert";
import { deriveKey, Verdict } from "../mod.ts";
import { requestsSeen, startResponder } from "./responder/responder.ts";
import { mustRun, testPassword } from "./_testing.ts";
import { haveCommand } from "./qemu/_util.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const version =
  JSON.parse(await Deno.readTextFile(`${root}/deno.json`)).version;

const tools = ["node", "npx", "dpkg-deb", "rpmbuild", "rpm2cpio", "cpio"];
const missing = !tools.every(haveCommand);

Deno.test({
  name:
    "client packages: .deb and RPM hold send_sysrq and its man page; it runs alone",
  ignore: missing,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "netsysrq-client-" });
    const password = testPassword();
    const responder = await startResponder({ key: await deriveKey(password) });
    try {
      await mustRun(Deno.execPath(), [
        "run",
        "-A",
        `${root}/packaging/build.ts`,
        "--only",
        "client",
        "--out",
        dir,
      ]);
      const arch = (await mustRun("dpkg", ["--print-architecture"])).trim();
      const deb = `${dir}/send-sysrq_${version}_${arch}.deb`;
      const rpmArch = (await mustRun("uname", ["-m"])).trim();
      const rpm = `${dir}/send-sysrq-${version}-1.${rpmArch}.rpm`;
      const unpacked: Record<string, string> = {};
      await t.step("the .deb", async () => {
        const files = await mustRun("dpkg-deb", ["-c", deb]);
        assert.match(
          files,
          /-rwxr-xr-x root\/root .* \.\/usr\/bin\/send_sysrq\n/,
        );
        assert.match(files, /\.\/usr\/share\/man\/man1\/send_sysrq\.1\.gz\n/);
        await mustRun("dpkg-deb", ["-x", deb, `${dir}/deb`]);
        unpacked.deb = `${dir}/deb/usr/bin/send_sysrq`;
      });
      await t.step("the RPM", async () => {
        const files = await mustRun("rpm", ["-qlp", rpm]);
        assert.equal(
          files,
          "/usr/bin/send_sysrq\n/usr/share/man/man1/send_sysrq.1.gz\n",
        );
        await Deno.mkdir(`${dir}/rpm`);
        await mustRun(
          "sh",
          ["-c", `rpm2cpio '${rpm}' | cpio -idm --quiet`],
          { cwd: `${dir}/rpm` },
        );
        unpacked.rpm = `${dir}/rpm/usr/bin/send_sysrq`;
      });
      for (const [name, binary] of Object.entries(unpacked)) {
        await t.step(
          `${name}: the binary alone, empty PATH, is acked`,
          async () => {
            const out = await new Deno.Command(binary, {
              args: ["s", `127.0.0.1:${responder.port}`],
              env: { PATH: "", SYSRQ_PASSWORD: password },
              clearEnv: true,
              stdout: "piped",
              stderr: "piped",
            }).output();
            const text = new TextDecoder().decode(out.stdout);
            assert.equal(
              out.code,
              0,
              text + new TextDecoder().decode(out.stderr),
            );
            assert.match(text, /acked in .*, ran once: s\n/);
            assert.equal(
              requestsSeen(responder).at(-1)?.verdict,
              Verdict.ACCEPTED,
            );
          },
        );
      }
    } finally {
      await responder.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
