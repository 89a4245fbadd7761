/**
 * `deno task bench:fleet`: the whole client against a fleet of loopback
 * responders (tests/responder), as a user runs it: one `send_sysrq --json
 * --hosts-file FILE s` process, timed from its start to its exit, with every
 * host reported. The responders run in a process of their own (started
 * once, before the timing), so the client's event loop is not shared with
 * them; on two cores they still compete for CPU, as the kernel's softirq
 * would not. Prints the median (and range) of `BENCH_RUNS` runs (default
 * 5) for each fleet size in `BENCH_FLEETS` (default "1000,10000"), in each
 * key mode of `BENCH_MODES` (default "password,server"): one password for
 * every responder, or each responder its own server key. Every responder
 * has an address of its own in 127.0.0.0/8 (all of it is loopback on
 * Linux), so that a hosts file line `127.0.3.7:PORT` names a host whose
 * identity (`127.0.3.7`) differs from every other's, as in a real fleet.
 * Then, in-process, the time to read a 10,000-host YAML inventory.
 * Goal (issue 14): 10,000 hosts, every one reported, under 2 s.
 *
 * `BENCH_BASELINE=DIR` (another checkout, e.g. `git worktree add DIR main`
 * then `deno install` in it) runs that checkout's client too, by turns with
 * this one against the same responders, and prints the median of the
 * per-run ratios of client CPU and wall time: on shared cores the load
 * moves both, the ratio of runs made side by side far less.
 *
 * With `--child N MODE`, it is the responder process: N responders, their
 * `address:port` printed as one JSON line, then it waits.
 *
 * @module
 */

import {
  adminSecretFromPassword,
  deriveKey,
  keyIdOf,
  KeySet,
  serverKey,
} from "../mod.ts";
import { startResponder } from "../tests/responder/responder.ts";
import { RUN_FLAGS } from "./build.ts";
import { formatAdminSecret } from "./host_keys.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;
const SELF = new URL(import.meta.url).pathname;

/** The responder process: N responders, hosts on stdout, then wait. */
async function child(
  count: number,
  mode: string,
  password: string,
): Promise<void> {
  const key = await deriveKey(password);
  const secret = await adminSecretFromPassword(password);
  const id = await keyIdOf(secret);
  const hosts: string[] = [];
  for (let i = 0; i < count; i++) {
    const address = loopbackAddress(i);
    const options = mode === "server"
      ? {
        keys: new KeySet({
          serverKeys: [[id, await serverKey(secret, address)]],
        }),
      }
      : { key };
    const responder = await startResponder({ ...options, address });
    hosts.push(`${address}:${responder.port}`);
  }
  console.log(JSON.stringify(hosts));
  // Until the parent closes our stdin.
  for await (const _ of Deno.stdin.readable) { /* wait */ }
  Deno.exit(0);
}

/** The i-th address of 127.0.0.0/8 after 127.0.0.x: 127.0.1.1, ... */
function loopbackAddress(i: number): string {
  return `127.0.${1 + Math.floor(i / 250)}.${1 + i % 250}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Start `count` responders in a child process; their hosts and a stop. */
async function startFleetProcess(
  count: number,
  mode: string,
  password: string,
) {
  const process = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      CONFIG,
      SELF,
      "--child",
      String(count),
      mode,
    ],
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
  const hosts: string[] = JSON.parse(text);
  return {
    hosts,
    /** CPU seconds the responders have used so far (user + system). */
    cpu: () => cpuSeconds(`/proc/${process.pid}/stat`),
    stop: async () => {
      await process.stdin.close();
      reader.releaseLock();
      await process.stdout.cancel().catch(() => {});
      await process.status;
    },
  };
}

/** utime + stime of a /proc/PID/stat, in seconds (100 ticks a second). */
function cpuSeconds(stat: string): number {
  const fields = Deno.readTextFileSync(stat).split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * One client run (`main`: its cli/main.ts; `args`: the keys and hosts); its
 * wall time, CPU time (GNU time's user + system) and results.
 */
async function runOnce(main: string, args: string[], password: string) {
  const started = performance.now();
  const out = await new Deno.Command("/usr/bin/time", {
    args: [
      "-f",
      "cpu %U %S",
      Deno.execPath(),
      "run",
      ...RUN_FLAGS,
      main,
      "--json",
      ...args,
    ],
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
  if (results.length === 0) {
    console.error(new TextDecoder().decode(out.stderr).split("\n")[0]);
  }
  const cpu = /cpu ([0-9.]+) ([0-9.]+)\s*$/.exec(
    new TextDecoder().decode(out.stderr),
  );
  return {
    ms,
    cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN,
    reported: results.length,
    acked: results.filter((r) => r.outcome === "acked").length,
    retried: results.filter((r) => r.attempts > 1).length,
  };
}

/** What the runs of one client against one fleet measured. */
class Runs {
  times: number[] = [];
  clientCpu: number[] = [];
  serverCpu: number[] = [];
  worst = { reported: Infinity, acked: Infinity, retried: 0 };

  add(result: Awaited<ReturnType<typeof runOnce>>, serverCpu: number) {
    this.serverCpu.push(serverCpu);
    this.clientCpu.push(result.cpu);
    this.times.push(result.ms);
    if (result.acked < this.worst.acked) {
      this.worst = { ...result, retried: this.worst.retried };
    }
    this.worst.retried = Math.max(this.worst.retried, result.retried);
  }

  line(size: number): string {
    const sorted = [...this.times].sort((a, b) => a - b);
    const { worst } = this;
    return `median ${(median(this.times) / 1000).toFixed(2)} s (${
      (sorted[0] / 1000).toFixed(2)
    }-${(sorted.at(-1)! / 1000).toFixed(2)} s, ${sorted.length} runs); ` +
      `every run reported ${
        worst.reported === size ? "every host" : `only ${worst.reported}`
      }, fewest acked ${worst.acked}, most retried ${worst.retried}; CPU: ` +
      `client ${median(this.clientCpu).toFixed(2)} s, responders ${
        median(this.serverCpu).toFixed(2)
      } s`;
  }
}

/** Median of the runs' ratios `a[i] / b[i]` (runs made side by side). */
function ratio(a: number[], b: number[]): string {
  return median(a.map((x, i) => x / b[i])).toFixed(2);
}

async function bench(): Promise<void> {
  const count = Number(Deno.env.get("BENCH_RUNS") ?? 5);
  // Another checkout (built, `deno install` run) to compare with, run by
  // turns against the same responders.
  const baseline = Deno.env.get("BENCH_BASELINE");
  const clients = baseline === undefined
    ? [MAIN]
    : [MAIN, `${baseline}/cli/main.ts`];
  const sizes = (Deno.env.get("BENCH_FLEETS") ?? "1000,10000").split(",")
    .map(Number);
  const modes = (Deno.env.get("BENCH_MODES") ?? "password,server").split(",");
  const password = "bench-" + crypto.randomUUID();
  const dir = await Deno.makeTempDir({ prefix: "bench_fleet_" });
  // The workstation's admin secret file, as keygen writes it (a passphrase
  // would add its Argon2id, about a second, to every run).
  const secretFile = `${dir}/admin_secret`;
  await Deno.writeTextFile(
    secretFile,
    formatAdminSecret(await adminSecretFromPassword(password)),
    { mode: 0o600 },
  );
  try {
    for (const mode of modes) {
      for (const size of sizes) {
        const fleet = await startFleetProcess(size, mode, password);
        try {
          const hostsFile = `${dir}/hosts-${size}`;
          await Deno.writeTextFile(hostsFile, fleet.hosts.join("\n") + "\n");
          const args = mode === "server"
            ? ["--admin-secret", secretFile, "--hosts-file", hostsFile, "s"]
            : ["--hosts-file", hostsFile, "s"];
          // Warm-up: caches, JIT.
          for (const client of clients) await runOnce(client, args, password);
          const runs = clients.map(() => new Runs());
          for (let run = 0; run < count; run++) {
            // Each client first in turn: neither always meets a cooler CPU.
            const order = clients.map((_, i) => (i + run) % clients.length);
            for (const i of order) {
              const before = fleet.cpu();
              const result = await runOnce(clients[i], args, password);
              runs[i].add(result, fleet.cpu() - before);
            }
          }
          const load = Deno.loadavg()[0].toFixed(1);
          console.log(
            `${mode}, ${size} hosts: ${runs[0].line(size)}; load ${load}`,
          );
          if (baseline !== undefined) {
            const [now, old] = runs;
            console.log(
              `  baseline (${baseline}): ${old.line(size)}\n  this/baseline` +
                ` (median of per-run ratios): client CPU ${
                  ratio(now.clientCpu, old.clientCpu)
                }, wall ${ratio(now.times, old.times)}; load ${load}`,
            );
          }
        } finally {
          await fleet.stop();
        }
      }
    }
    await inventoryTime(dir, Math.max(...sizes));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Reading a YAML inventory of `size` hosts, in-process (median of 3). */
async function inventoryTime(dir: string, size: number): Promise<void> {
  const { readInventory } = await import("./inventory.ts");
  const file = `${dir}/inventory.yml`;
  await Deno.writeTextFile(
    file,
    "fleet:\n  hosts:\n" + Array.from(
      { length: size },
      (_, i) =>
        `    h${i}:\n      ansible_host: ${loopbackAddress(i)}\n` +
        `      netsysrq_port: 9\n`,
    ).join(""),
  );
  const times: number[] = [];
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    await readInventory(file);
    times.push(performance.now() - started);
  }
  console.log(
    `reading a YAML inventory of ${size} hosts: median ${
      (median(times) / 1000).toFixed(2)
    } s (npm:yaml parses it; 3 runs)`,
  );
}

if (Deno.args[0] === "--child") {
  await child(
    Number(Deno.args[1]),
    Deno.args[2],
    Deno.env.get("BENCH_PASSWORD")!,
  );
} else {
  await bench();
}
