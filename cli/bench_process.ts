/**
 * `deno task bench:process`: the client's cost as whole processes, beside
 * Deno's own start-up. Times (medians of several interleaved runs) of
 * `deno run` of an empty script, `send_sysrq --version` and `send_sysrq
 * --dry-run` from source and from the bundle, and the key derivation's
 * in-process cost, which --dry-run pays once: warm (repeated in this
 * process) and cold (the first call in a fresh process, as the client pays
 * it). The derivation is PBKDF2 alone (`deriveKeyBytes`); making the HMAC
 * key from it (loading hash-wasm, compiling its SHA-256) is the client's own
 * cost and stays in the difference. Goal: --dry-run minus the derivation
 * within 1.3x of the empty script. `BENCH_RUNS` sets the runs (default 15).
 *
 * @module
 */

import { deriveKeyBytes } from "../mod.ts";
import { bundle, RUN_FLAGS } from "./build.ts";

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 15);
const MAIN = new URL("./main.ts", import.meta.url).pathname;
const MOD = new URL("../mod.ts", import.meta.url).href;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;
const PASSWORD = "bench-not-a-real-password";
const GOAL = 1.3;

interface Case {
  name: string;
  args: string[];
}

async function timeOnce(args: string[]): Promise<number> {
  const started = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    env: { SYSRQ_PASSWORD: PASSWORD },
    stdout: "null",
    stderr: "piped",
  }).output();
  const elapsed = performance.now() - started;
  if (!out.success) {
    throw new Error(
      `${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Run every case RUNS times, round-robin, after one warm-up each. */
async function timeCases(cases: Case[]): Promise<Map<string, number>> {
  const samples = new Map(cases.map((c) => [c.name, [] as number[]]));
  for (const c of cases) await timeOnce(c.args);
  for (let run = 0; run < RUNS; run++) {
    for (const c of cases) samples.get(c.name)!.push(await timeOnce(c.args));
  }
  return new Map([...samples].map(([name, times]) => [name, median(times)]));
}

/** The first derivation in a fresh process (Web Crypto cold). */
async function coldDerivationMs(dir: string): Promise<number> {
  const script = `${dir}/derive.ts`;
  await Deno.writeTextFile(
    script,
    `import { deriveKeyBytes } from "${MOD}";\n` +
      `const t = performance.now(); await deriveKeyBytes("${PASSWORD}");\n` +
      `console.log(performance.now() - t);\n`,
  );
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--config", CONFIG, script],
      stdout: "piped",
    }).output();
    times.push(Number(new TextDecoder().decode(out.stdout)));
  }
  return median(times);
}

async function derivationMs(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await deriveKeyBytes(PASSWORD);
    times.push(performance.now() - started);
  }
  return median(times);
}

const dir = await Deno.makeTempDir({ prefix: "bench_process_" });
try {
  const empty = `${dir}/empty.ts`;
  await Deno.writeTextFile(empty, "");
  const bundled = await bundle(`${dir}/send_sysrq.js`);
  // What loading the packet library alone costs, to tell it from the client.
  const library = `${dir}/library.ts`;
  await Deno.writeTextFile(library, `import "${MOD}";\n`);
  const source = ["run", ...RUN_FLAGS, MAIN];
  const fromBundle = ["run", ...RUN_FLAGS, bundled];
  const dryRun = ["--dry-run", "sub", "192.0.2.7"];
  const medians = await timeCases([
    { name: "deno run (empty script)", args: ["run", empty] },
    {
      name: "deno run (import mod.ts)",
      args: ["run", "--config", CONFIG, library],
    },
    { name: "send_sysrq --version", args: [...source, "--version"] },
    { name: "send_sysrq --dry-run", args: [...source, ...dryRun] },
    { name: "bundle --version", args: [...fromBundle, "--version"] },
    { name: "bundle --dry-run", args: [...fromBundle, ...dryRun] },
  ]);
  const warm = await derivationMs();
  const cold = await coldDerivationMs(dir);
  const width = 30;
  const row = (name: string, ms: number) =>
    console.log(`  ${name.padEnd(width)} ${ms.toFixed(1)} ms`);
  console.log(`whole processes, median of ${RUNS} runs each:`);
  for (const [name, ms] of medians) row(name, ms);
  console.log("key derivation, in-process:");
  row("warm (repeated)", warm);
  row("cold (first in a process)", cold);
  const base = medians.get("deno run (empty script)")!;
  for (const name of ["send_sysrq --dry-run", "bundle --dry-run"]) {
    const rest = medians.get(name)! - cold;
    const ratio = rest / base;
    console.log(
      `${name} minus cold derivation: ${rest.toFixed(1)} ms = ${
        ratio.toFixed(2)
      }x the empty ` +
        `script (${ratio <= GOAL ? "meets" : "misses"} the ${GOAL}x goal)`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
