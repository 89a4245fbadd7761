/**
 * Test helper: run the real client as a separate process, in each of its
 * forms (from source, the bundle under Deno and Node, the Node SEA binary).
 *
 * @module
 */

import { bundle, compileNode, RUN_FLAGS } from "./build.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;
/** util-linux setsid(1), by path: the SEA form runs with an empty PATH. */
const SETSID = "/usr/bin/setsid";

/** How to start the client: the command line before the client's arguments. */
export interface ClientForm {
  name: string;
  command: string;
  args: string[];
  /** Environment replaced entirely (the SEA runs with an empty PATH). */
  env?: Record<string, string>;
}

/** What a run produced. */
export interface ClientRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The client from source, run as `deno task start` runs it. */
export const SOURCE: ClientForm = {
  name: "source",
  command: Deno.execPath(),
  args: ["run", ...RUN_FLAGS, MAIN],
};

/** Run the client with `args`; `env` adds variables (NO_COLOR etc.). */
export async function runClient(
  form: ClientForm,
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<ClientRun> {
  const base = form.env ?? withoutClientVariables(Deno.env.toObject());
  const started = performance.now();
  // In a session of its own, the client has no terminal to prompt on,
  // wherever the tests run (guard_test.ts and terminal_test.ts give one).
  const child = new Deno.Command(SETSID, {
    args: ["-w", form.command, ...form.args, ...args],
    env: { ...base, ...options.env },
    clearEnv: true,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return {
    code: out.code,
    stdout: decode(out.stdout),
    stderr: decode(out.stderr),
    ms: performance.now() - started,
  };
}

function withoutClientVariables(env: Record<string, string>) {
  delete env.SYSRQ_PASSWORD;
  delete env.NO_COLOR;
  // No config file or default password file of whoever runs the tests.
  env.XDG_CONFIG_HOME = "/nonexistent/netsysrq-tests";
  return env;
}

/** Build the bundle into `dir`; forms to run it with Deno and with Node. */
export async function bundledForms(dir: string): Promise<ClientForm[]> {
  const file = await bundle(`${dir}/send_sysrq.js`);
  return [
    {
      name: "bundle (deno)",
      command: Deno.execPath(),
      args: ["run", ...RUN_FLAGS, file],
    },
    { name: "bundle (node)", command: "node", args: [file] },
  ];
}

/**
 * Build the Node SEA binary, copy it alone into an empty directory and run
 * it from there with an empty PATH: no Deno, no Node to lean on.
 */
export async function seaForm(dir: string): Promise<ClientForm> {
  const built = await compileNode(`${dir}/build-send_sysrq-node`);
  const alone = await Deno.makeTempDir({ dir, prefix: "empty_" });
  const binary = `${alone}/send_sysrq`;
  await Deno.rename(built, binary);
  return { name: "sea", command: binary, args: [], env: { PATH: "" } };
}

/**
 * Run shell `line` on a pseudo-terminal (util-linux `script`) with only
 * PATH, HOME, a config directory that does not exist, and `env`; type
 * `typed` 1.5 s in, once a prompt had time to appear (a client already gone
 * is no error). Returns the exit code and what the terminal showed.
 */
export async function runOnTerminal(
  line: string,
  env: Record<string, string> = {},
  typed = "",
): Promise<{ code: number; text: string }> {
  const child = new Deno.Command("script", {
    args: ["-qec", line, "/dev/null"],
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "/",
      XDG_CONFIG_HOME: "/nonexistent/netsysrq-tests",
      ...env,
    },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await new Promise((r) => setTimeout(r, 1500));
  if (typed) {
    await writer.write(new TextEncoder().encode(typed)).catch(() => {});
  }
  await new Promise((r) => setTimeout(r, 300));
  await writer.close().catch(() => {});
  const out = await child.output();
  return { code: out.code, text: new TextDecoder().decode(out.stdout) };
}
