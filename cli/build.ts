/**
 * Builds of the client, run through deno.json's tasks:
 *
 * - `deno task bundle` → `dist/send_sysrq.js`, one file (WASM core inlined)
 *   that runs with `deno run` and with `node`.
 * - `deno task compile` → `dist/send_sysrq` with `deno compile`, and
 *   `deno task compile:all` for every platform. `deno compile` downloads a
 *   runtime ("denort") unless `DENORT_BIN` names one; when it cannot, the
 *   task says so in one line.
 * - `deno task compile:node` → `dist/send_sysrq-node`, the bundle inside a
 *   Node single-executable application (the offline alternative).
 *
 * Usage: `deno run -A cli/build.ts bundle|compile|compile-all|compile-node
 * [OUTDIR]` (default OUTDIR: dist/).
 *
 * @module
 */

import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const ENTRY = `${ROOT}cli/main.ts`;
const DIST = `${ROOT}dist`;
/** The client's permissions, the same in every form (deno.json "start"). */
export const PERMISSIONS = [
  "--allow-net",
  "--allow-read",
  // npm:yaml (inventories) reads LOG_TOKENS and LOG_STREAM, its own debug
  // switches, when it parses: without them Deno stops it.
  "--allow-env=SYSRQ_PASSWORD,SYSRQ_ADMIN_PASSPHRASE,NO_COLOR,XDG_CONFIG_HOME,HOME,LOG_TOKENS,LOG_STREAM",
  // keygen -o FILE creates the file. (Prompts read /dev/tty with
  // --allow-read; Deno lets a program write it only with --allow-all.)
  "--allow-write",
  // -i FILE: inventories other than YAML are read by Ansible's own tool.
  "--allow-run=ansible-inventory",
  // libc's connect(2), to hear ICMP port unreachable (closed_port.ts):
  // Deno's own UDP cannot connect. Adds no reach that --allow-write (any
  // file) does not give already.
  "--allow-ffi",
];
/**
 * How Deno runs the client, from source or as the bundle (deno.json "start"
 * says the same): its permissions, and `--cached-only`. Without it, Deno
 * 2.9 asks the npm registry for hash-wasm's metadata at every start where
 * its cache lacks it, even with deno.lock and node_modules/ complete: a
 * `Download` line, and a wait, on a rescue host whose network is the
 * problem. With it Deno never fetches: what the client needs comes from
 * `deno install` (or any task) run once where the registry is reachable.
 */
export const RUN_FLAGS = ["--cached-only", ...PERMISSIONS];
/** `deno compile --target` values for `compile:all`. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];
/** The sentinel fuse in Node 20's binary (see ../shared/FACTS.md). */
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
const POSTJECT = "postject@1.0.0-alpha.6";

/** A build step failed; the message is the one line to show. */
export class BuildError extends Error {
  override name = "BuildError";
}

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(
  command: string,
  args: string[],
  env?: Record<string, string>,
): Promise<Output> {
  let child;
  try {
    child = await new Deno.Command(command, {
      args,
      env,
      clearEnv: env !== undefined,
      stdout: "piped",
      stderr: "piped",
    })
      .output();
  } catch (error) {
    throw new BuildError(`cannot run ${command}: ${(error as Error).message}`);
  }
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return {
    code: child.code,
    stdout: decode(child.stdout),
    stderr: decode(child.stderr),
  };
}

/** The line of a Deno error that says why: its first cause, or the error. */
function errorLine(text: string): string {
  // deno-lint-ignore no-control-regex -- strip ANSI colours from messages
  const lines = text.replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((l) =>
    l.trim()
  );
  const cause = lines.indexOf("Caused by:");
  if (cause >= 0 && lines[cause + 1]) {
    return lines[cause + 1].replace(/^\d+: /, "");
  }
  return lines.find((l) => l.startsWith("error:"))?.replace(/^error: /, "") ??
    lines.find((l) => l !== "") ?? "(no output)";
}

/** Bundle the client into one file (`esm` for deno/node, `cjs` for SEA). */
export async function bundle(
  outFile: string,
  format: "esm" | "cjs" = "esm",
): Promise<string> {
  const out = await run(Deno.execPath(), [
    "bundle",
    "--quiet",
    "--format",
    format,
    "--output",
    outFile,
    ENTRY,
  ]);
  if (out.code !== 0) {
    throw new BuildError(`deno bundle failed: ${errorLine(out.stderr)}`);
  }
  if (format === "esm") {
    // Runnable as ./send_sysrq.js with Deno; node ignores the line.
    const shebang = `#!/usr/bin/env -S deno run ${RUN_FLAGS.join(" ")}\n`;
    const body = await Deno.readTextFile(outFile);
    await Deno.writeTextFile(
      outFile,
      body.startsWith("#!") ? body : shebang + body,
    );
    await Deno.chmod(outFile, 0o755);
  }
  return outFile;
}

/**
 * `deno compile` for one target (default: this machine). Its runtime comes
 * from Deno's download host, or from `DENORT_BIN` when that is set.
 */
export async function compile(
  outFile: string,
  target?: string,
): Promise<string> {
  const args = ["compile", "--quiet", ...PERMISSIONS, "--output", outFile];
  if (target !== undefined) args.push("--target", target);
  // A DENORT_BIN is a runtime for this platform only: never for another.
  const env = Deno.env.toObject();
  const foreign = target !== undefined && target !== Deno.build.target;
  if (foreign) delete env.DENORT_BIN;
  const out = await run(Deno.execPath(), [...args, ENTRY], env);
  if (out.code === 0) return outFile;
  // Only the runtime download fetches from dl.deno.land.
  if (/dl\.deno\.land/.test(out.stderr)) {
    const where = target ?? Deno.build.target;
    const remedy = foreign
      ? `DENORT_BIN serves only ${Deno.build.target}`
      : "set DENORT_BIN to a denort binary of this Deno version, or use " +
        "`deno task compile:node` for an offline standalone binary";
    throw new BuildError(
      `deno compile cannot download its runtime (denort) for ${where}: ` +
        `no access to dl.deno.land; ${remedy}`,
    );
  }
  throw new BuildError(`deno compile failed: ${errorLine(out.stderr)}`);
}

/**
 * Wrap the bundle into a Node single-executable application: bundle as
 * CommonJS, make the SEA blob, copy this machine's `node` and inject the
 * blob with postject.
 */
export async function compileNode(
  outFile: string,
  node = "node",
): Promise<string> {
  const work = await Deno.makeTempDir({ prefix: "send_sysrq_sea_" });
  try {
    const main = await bundle(`${work}/send_sysrq.cjs`, "cjs");
    const blob = `${work}/sea.blob`;
    const config = `${work}/sea-config.json`;
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        main,
        output: blob,
        disableExperimentalSEAWarning: true,
      }),
    );
    const sea = await run(node, ["--experimental-sea-config", config]);
    if (sea.code !== 0) {
      throw new BuildError(
        `node could not make the SEA blob: ${errorLine(sea.stderr)}`,
      );
    }
    const nodePath = (await run(node, ["-p", "process.execPath"])).stdout
      .trim();
    await Deno.copyFile(nodePath, outFile);
    await Deno.chmod(outFile, 0o755);
    const inject = await run("npx", [
      "--yes",
      POSTJECT,
      outFile,
      "NODE_SEA_BLOB",
      blob,
      "--sentinel-fuse",
      SEA_FUSE,
    ]);
    if (inject.code !== 0) {
      throw new BuildError(`postject failed: ${errorLine(inject.stderr)}`);
    }
    return outFile;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

async function buildCommand(
  command: string | undefined,
  outDir: string,
): Promise<string[]> {
  await Deno.mkdir(outDir, { recursive: true });
  switch (command) {
    case "bundle":
      return [await bundle(`${outDir}/send_sysrq.js`)];
    case "compile":
      return [await compile(`${outDir}/send_sysrq`)];
    case "compile-all": {
      const built: string[] = [];
      for (const target of TARGETS) {
        const suffix = target.includes("windows") ? ".exe" : "";
        built.push(
          await compile(`${outDir}/send_sysrq-${target}${suffix}`, target),
        );
      }
      return built;
    }
    case "compile-node":
      return [await compileNode(`${outDir}/send_sysrq-node`)];
    default:
      throw new BuildError(
        "usage: deno run -A cli/build.ts bundle|compile|compile-all|compile-node [OUTDIR]",
      );
  }
}

if (import.meta.main) {
  try {
    for (const file of await buildCommand(Deno.args[0], Deno.args[1] ?? DIST)) {
      const { size } = await Deno.stat(file);
      console.log(
        `built ${file.replace(ROOT, "")} (${(size / 1e6).toFixed(2)} MB)`,
      );
    }
  } catch (error) {
    if (!(error instanceof BuildError)) throw error;
    console.error(`error: ${error.message}`);
    Deno.exit(1);
  }
}
