/**
 * What a key derivation costs on the client: Argon2id for an admin secret
 * from a password (hash-wasm, 64 MiB, 3 passes) beside PBKDF2 for a server
 * password (Web Crypto, 100,000 iterations): `deno bench -A core/kdf_bench.ts`.
 * `deno run -A core/kdf_bench.ts [runs]` prints the median of several runs
 * and how much the process's memory grew (docs/PROTOCOL.md, "Costs").
 *
 * @module
 */

import { adminSecretFromPassword, deriveKeyBytes } from "../mod.ts";

/** A throwaway password: never a real one. */
const PASSWORD = "bench-password-" + crypto.randomUUID();

Deno.bench({
  name: "PBKDF2-HMAC-SHA256, 100,000 iterations (server password)",
  group: "kdf",
  baseline: true,
  n: 5,
  warmup: 1,
  fn: async () => void await deriveKeyBytes(PASSWORD),
});

Deno.bench({
  name: "Argon2id, 64 MiB, t = 3, p = 1 (admin secret from a password)",
  group: "kdf",
  n: 5,
  warmup: 1,
  fn: async () => void await adminSecretFromPassword(PASSWORD),
});

const MiB = 1024 * 1024;

if (import.meta.main) {
  const runs = Number(Deno.args[0] ?? 9);
  const rssBefore = Deno.memoryUsage().rss;
  const times: number[] = [];
  let peak = rssBefore;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await adminSecretFromPassword(PASSWORD);
    times.push(performance.now() - start);
    peak = Math.max(peak, Deno.memoryUsage().rss);
  }
  times.sort((a, b) => a - b);
  const median = times[times.length >> 1];
  console.log(
    `Argon2id (64 MiB, t=3, p=1), ${runs} runs: median ${
      median.toFixed(0)
    } ms` +
      ` (min ${times[0].toFixed(0)}, max ${times.at(-1)!.toFixed(0)})`,
  );
  console.log(
    `resident memory: ${(rssBefore / MiB).toFixed(0)} MiB before, ` +
      `${(peak / MiB).toFixed(0)} MiB after (+${
        ((peak - rssBefore) / MiB).toFixed(0)
      } MiB)`,
  );
}
