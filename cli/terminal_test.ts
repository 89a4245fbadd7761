// deno-lint-ignore-file no-control-regex -- the terminal output holds colour codes
// The client on a terminal (a pseudo-terminal from util-linux `script`):
// colours unless NO_COLOR, a progress line for many hosts, and the password
// prompt without echo.

import assert from "node:assert";
import { deriveKey } from "../mod.ts";
import { startFleet } from "../tests/responder/responder.ts";
import { SOURCE } from "./_run_client.ts";
import { testPassword } from "../tests/_testing.ts";

const PASSWORD = testPassword();
const KEY = await deriveKey(PASSWORD);

/** Run the client from source on a pseudo-terminal; stdin is typed input. */
async function onTerminal(
  args: string[],
  env: Record<string, string>,
  typed = "",
) {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [SOURCE.command, ...SOURCE.args, ...args].map(quote).join(
    " ",
  );
  let child;
  try {
    child = new Deno.Command("script", {
      args: ["-qec", command, "/dev/null"],
      env: {
        PATH: Deno.env.get("PATH") ?? "",
        HOME: Deno.env.get("HOME") ?? "/",
        ...env,
      },
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch {
    throw new Error(
      "util-linux `script` is not installed: it provides the terminal",
    );
  }
  const writer = child.stdin.getWriter();
  // Wait for the prompt before typing, as a person would.
  if (typed) {
    setTimeout(
      () =>
        writer.write(new TextEncoder().encode(typed)).then(() =>
          writer.close()
        ),
      700,
    );
  } else await writer.close();
  const out = await child.output();
  return { code: out.code, text: new TextDecoder().decode(out.stdout) };
}

Deno.test("terminal: colour, NO_COLOR, progress line, silent prompt", async (t) => {
  const fleet = await startFleet(6, { key: KEY });
  const hosts = fleet.map((r) => `127.0.0.1:${r.port}`);
  try {
    await t.step("colours and a progress line", async () => {
      const run = await onTerminal(["s", ...hosts], {
        SYSRQ_PASSWORD: PASSWORD,
      });
      assert.equal(run.code, 0, run.text);
      assert.match(run.text, /\x1b\[32macked\x1b\[0m/);
      assert.match(run.text, /\d\/6 hosts done/);
    });
    await t.step("NO_COLOR: no colour codes", async () => {
      const run = await onTerminal(["s", hosts[0]], {
        SYSRQ_PASSWORD: PASSWORD,
        NO_COLOR: "1",
      });
      assert.equal(run.code, 0, run.text);
      assert.match(run.text, /: acked in/);
      assert.doesNotMatch(run.text, /\x1b\[3\dm/);
    });
    await t.step("few hosts: no progress line", async () => {
      const run = await onTerminal(["s", hosts[0]], {
        SYSRQ_PASSWORD: PASSWORD,
      });
      assert.doesNotMatch(run.text, /hosts done/);
    });
    await t.step("the prompt reads the password without echo", async () => {
      const run = await onTerminal(["s", hosts[0]], {}, PASSWORD + "\r");
      assert.equal(run.code, 0, run.text);
      assert.match(run.text, /Password: /);
      assert.ok(!run.text.includes(PASSWORD), "the password was echoed");
      assert.match(run.text, /: \x1b\[32macked\x1b\[0m in/);
    });
  } finally {
    await Promise.all(fleet.map((r) => r.close()));
  }
});
