// send_sysrq.1 documents every option --help lists, renders without
// warnings, and agrees with the exit statuses.

import assert from "node:assert";
import { HELP, OPTION_NAMES } from "./args.ts";

const PAGE = new URL("./send_sysrq.1", import.meta.url).pathname;
const source = await Deno.readTextFile(PAGE);
/** The page as a reader sees it (groff's hyphen escapes undone). */
const text = source.replace(/\\-/g, "-");

Deno.test("man page: every option of --help, and each exit status", () => {
  const options = new Set(HELP.match(/--[a-z-]+/g));
  assert.ok(options.size >= 13, [...options].join(" "));
  for (const option of options) {
    assert.ok(text.includes(option), `${option} is not in send_sysrq.1`);
  }
  for (const status of ["0", "1", "2", "3", "4"]) {
    assert.match(
      text,
      new RegExp(`\\.SH EXIT STATUS[\\s\\S]*\\.TP\\n\\.B ${status}\\n`),
    );
  }
  assert.match(text, /\.SH EXAMPLES/);
});

Deno.test("man page: renders with groff -man -ww without warnings", async () => {
  let out;
  try {
    out = await new Deno.Command("groff", {
      args: ["-man", "-ww", "-Tutf8", PAGE],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch {
    throw new Error(
      "groff is not installed (Debian package groff): it renders the man page",
    );
  }
  assert.equal(new TextDecoder().decode(out.stderr), "");
  assert.ok(out.success);
  assert.match(new TextDecoder().decode(out.stdout), /SEND_SYSRQ\(1\)/);
});

Deno.test("man page and --help name exactly the options the parser takes", () => {
  const parsed = new Set(OPTION_NAMES.map((name) => `--${name}`));
  const inHelp = new Set(HELP.match(/--[a-z][a-z0-9-]*[a-z0-9]/g));
  // The page also cites the server's rule options (--sysrq-*): not ours.
  const inPage = new Set(
    (text.match(/--[a-z][a-z0-9-]*[a-z0-9]/g) ?? [])
      .filter((o) => !o.startsWith("--sysrq-")),
  );
  assert.deepEqual([...inHelp].sort(), [...parsed].sort(), "--help");
  assert.deepEqual([...inPage].sort(), [...parsed].sort(), "send_sysrq.1");
});
