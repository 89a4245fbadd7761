/**
 * `deno task bench:fleet`: the whole client against a fleet of loopback
 * responders (tests/responder), as a user runs it: one `send_sysrq --json
 * --hosts-file FILE s` process, timed from its start to its exit, with every
 * host reported. The responders run in a process of their own (started
 * once, before the timing), so the client's event loop is not shared with
 * them; on two cores they still compete for CPU, as the kernel's softirq
 * would not. Prints the median (and range) of `BENCH_RUNS` runs (default
 * 5) for each fleet size in `BENCH_FLEETS` (default "1000,10000").
 * Goal (issue 14): 10,000 hosts, every one reported, under 2 s.
 *
 * With `--child N`, it is the responder process: N responders on
 * 127.0.0.1, their ports printed as one JSON line, then it waits.
 *
 * @module
 */

import { deriveKey } from "../mod.ts";
import { startResponder } from "../tests/responder/responder.ts";
import { RUN_FLAGS } from "./build.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;
const SELF = new URL(import.meta.url).pathname;

/** The responder process: N responders, ports on stdout, then wait. */
async function child(count: number, password: string): Promise<void> {
  const key = await deriveKey(password);
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    ports.push((await startResponder({ key })).port);
  }
  console.log(JSON.stringify(ports));
  // Until the parent closes our stdin.
  for await (const _ of Deno.stdin.readable) { /* wait */ }
  Deno.exit(0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Start `count` responders in a child process; their ports and a stop. */
async function startFleetProcess(count: number, password: string) {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, SELF, "--child", String(count)],
    env: { BENCH_PASSWORD: password },
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const reader = process.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the responder process ended early");
    text += value;
  }
  const ports: number[] = JSON.parse(text);
  return {
    ports,
    stop: async () => {
      await process.stdin.close();
      reader.releaseLock();
      await process.stdout.cancel().catch(() => {});
      await process.status;
    },
  };
}

/** One client run over the hosts file; its wall time and results. */
async function runOnce(hostsFile: string, password: string) {
  const started = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...RUN_FLAGS, MAIN, "--json", "--hosts-file", hostsFile, "s"],
    env: {
      SYSRQ_PASSWORD: password,
      XDG_CONFIG_HOME: "/nonexistent/netsysrq-bench",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - started;
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  const results = lines.filter((l) => l).map((l) => JSON.parse(l));
  return {
    ms,
    reported: results.length,
    acked: results.filter((r) => r.outcome === "acked").length,
    retried: results.filter((r) => r.attempts > 1).length,
  };
}

async function bench(): Promise<void> {
  const runs = Number(Deno.env.get("BENCH_RUNS") ?? 5);
  const sizes = (Deno.env.get("BENCH_FLEETS") ?? "1000,10000").split(",")
    .map(Number);
  const password = "bench-" + crypto.randomUUID();
  const dir = await Deno.makeTempDir({ prefix: "bench_fleet_" });
  try {
    for (const size of sizes) {
      const fleet = await startFleetProcess(size, password);
      try {
        const hostsFile = `${dir}/hosts-${size}`;
        await Deno.writeTextFile(
          hostsFile,
          fleet.ports.map((p) => `127.0.0.1:${p}\n`).join(""),
        );
        await runOnce(hostsFile, password); // warm-up: caches, ARP, JIT
        const times: number[] = [];
        let worst = { reported: size, acked: size, retried: 0 };
        for (let run = 0; run < runs; run++) {
          const result = await runOnce(hostsFile, password);
          times.push(result.ms);
          if (result.acked < worst.acked) worst = result;
          worst.retried = Math.max(worst.retried, result.retried);
        }
        const sorted = [...times].sort((a, b) => a - b);
        console.log(
          `${size} hosts: median ${(median(times) / 1000).toFixed(2)} s ` +
            `(${(sorted[0] / 1000).toFixed(2)}-${
              (sorted.at(-1)! / 1000).toFixed(2)
            } s, ${runs} runs); every run reported ${
              worst.reported === size ? "every host" : `only ${worst.reported}`
            }, fewest acked ${worst.acked}, most retried ${worst.retried}`,
        );
      } finally {
        await fleet.stop();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (Deno.args[0] === "--child") {
  await child(Number(Deno.args[1]), Deno.env.get("BENCH_PASSWORD")!);
} else {
  await bench();
}
