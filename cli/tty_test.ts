// The prompts on the controlling terminal with stdin a pipe, from source
// with the client's own permissions (`deno task start`, not -A): Deno 2.9
// opens /dev/tty for reading with --allow-read but for writing only with
// --allow-all, so the prompt goes to whichever of stderr and stdout is the
// terminal. A pseudo-terminal from util-linux `script` stands in for the
// administrator's.

import assert from "node:assert";
import { deriveKey, Verdict } from "../mod.ts";
import { startResponder } from "../tests/responder/responder.ts";
import { testPassword } from "../tests/_testing.ts";
import { runOnTerminal, SOURCE } from "./_run_client.ts";
import { EXIT } from "./status.ts";

const PASSWORD = testPassword();
const KEY = await deriveKey(PASSWORD);
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** The client as `deno task start` runs it (no -A). */
const CLIENT = [SOURCE.command, ...SOURCE.args].map(quote).join(" ");

/** A shell line on a pseudo-terminal, without colours, `typed` typed in. */
const onTerminal = (line: string, typed: string, env = {}) =>
  runOnTerminal(line, { NO_COLOR: "1", ...env }, typed);

Deno.test("prompts on /dev/tty with stdin a pipe, with the client's own permissions", async (t) => {
  const responder = await startResponder({ key: KEY });
  const host = `127.0.0.1:${responder.port}`;
  const hosts = `printf '%s\\n' ${quote(host)} |`;
  const accepted = () =>
    responder.seen.filter((s) => s.verdict === Verdict.ACCEPTED).length;
  const dir = await Deno.makeTempDir();
  try {
    await t.step("password prompt, stderr the terminal", async () => {
      const run = await onTerminal(
        `${hosts} ${CLIENT} --hosts-file - s`,
        PASSWORD + "\r",
      );
      assert.match(run.text, /Password: /);
      assert.ok(!run.text.includes(PASSWORD), "the password was echoed");
      assert.match(run.text, /: acked in/);
      assert.equal(run.code, 0, run.text);
      assert.equal(accepted(), 1);
    });
    await t.step("password prompt, stderr to a file: on stdout", async () => {
      const log = `${dir}/stderr`;
      const run = await onTerminal(
        `${hosts} ${CLIENT} --hosts-file - s 2>${quote(log)}`,
        PASSWORD + "\r",
      );
      assert.match(run.text, /Password: /);
      assert.ok(!run.text.includes(PASSWORD), "the password was echoed");
      assert.equal(run.code, 0, run.text + await Deno.readTextFile(log));
      assert.equal(accepted(), 2);
    });
    await t.step(
      "confirmation of a harmful key, answered on the terminal",
      async () => {
        const run = await onTerminal(
          `${hosts} ${CLIENT} --hosts-file - b`,
          "n\r",
          { SYSRQ_PASSWORD: PASSWORD },
        );
        assert.match(run.text, /Send them\? \[y\/N\] n/);
        assert.match(run.text, /not confirmed, nothing sent/);
        assert.equal(run.code, EXIT.DECLINED, run.text);
        assert.equal(accepted(), 2);
      },
    );
    await t.step(
      "neither stdout nor stderr the terminal: no prompt, nothing sent",
      async () => {
        const run = await onTerminal(
          `${hosts} ${CLIENT} --hosts-file - s >${quote(dir)}/out 2>&1`,
          PASSWORD + "\r",
        );
        const out = await Deno.readTextFile(`${dir}/out`);
        assert.equal(run.code, 2, out);
        assert.doesNotMatch(out, /Password: /);
        assert.equal(accepted(), 2);
      },
    );
  } finally {
    await responder.close();
    await Deno.remove(dir, { recursive: true });
  }
});
