/**
 * `deno task bench:kernel`: the C verifier's cost per packet by verdict, as
 * callgrind instruction counts on the userspace build (tests/c/
 * bench_verify.c, -O2), next to the least work its MAC needs: one
 * HMAC-SHA256 of the same bytes with the pads precomputed (and, for the
 * legacy format, one SHA-1 of the digest's input), measured in the same run;
 * and the output builder (tests/c/bench_output.c): one output message of
 * 1024 text bytes next to a bare ChaCha20-Poly1305 of the same bytes, and
 * a request's output key next to one HMAC-SHA256 of the same 72 bytes.
 * Instruction counts do not depend on machine load, so the table repeats.
 *
 * Goals (issues 4, 12 and 14): a packet rejected on length, magic,
 * version, type, key id, boot id or time with the refusal budget spent
 * costs no hash and at most 300 instructions (600 where the replay state's
 * lock is taken: a replay, a retry); an accepted, refused or probe packet
 * at most 1.25x the HMAC, with the password's key or a server key found
 * last among a full set. Exits 1 if a goal is missed. Needs valgrind, make, a C compiler and libssl-dev.
 *
 * @module
 */
import { make, OUT_DIR } from "./_harness.ts";

const ITERATIONS = 1000; // must match bench_verify.c

/** One measured case: instructions and hash calls per packet. */
export interface Cost {
  name: string;
  instructions: number;
  hashes: number;
}

/** Builds and runs the benches under callgrind; one entry per case. */
export async function measure(): Promise<Map<string, Cost>> {
  const costs = new Map<string, Cost>();
  for (const [target, binary] of BENCHES) {
    await make(target);
    for (const [name, cost] of await measureOne(binary)) costs.set(name, cost);
  }
  return costs;
}

/**
 * The bench binaries (make target, file): the verifier's, and the output
 * builder's (tests/c/bench_output.c).
 */
const BENCHES = [["bench", "bench_verify"], ["bench-output", "bench_output"]];

async function measureOne(binary: string): Promise<Map<string, Cost>> {
  const dir = `${OUT_DIR}callgrind-${binary}`;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  const { code, stdout, stderr } = await new Deno.Command("valgrind", {
    args: [
      "--tool=callgrind",
      "--collect-atstart=no",
      `--callgrind-out-file=${dir}/out`,
      `${OUT_DIR}${binary}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`valgrind failed:\n${new TextDecoder().decode(stderr)}`);
  }
  const hashes = new Map<string, number>();
  for (const line of new TextDecoder().decode(stdout).trim().split("\n")) {
    const [name, perPacket] = line.split(" ");
    hashes.set(name, Number(perPacket));
  }
  const costs = new Map<string, Cost>();
  for await (const entry of Deno.readDir(dir)) {
    if (!/^out\.\d+$/.test(entry.name)) continue;
    const dump = await Deno.readTextFile(`${dir}/${entry.name}`);
    const name = dump.match(/^desc: Trigger: Client Request: (\S+)$/m)?.[1];
    const total = dump.match(/^summary: (\d+)$/m)?.[1];
    if (!name || !total) throw new Error(`unreadable dump ${entry.name}`);
    costs.set(name, {
      name,
      instructions: Number(total) / ITERATIONS,
      hashes: hashes.get(name) ?? NaN,
    });
  }
  return costs;
}

/** A table row: what was measured, against which baseline and goal. */
interface Row {
  label: string;
  name: string;
  baseline?: string;
  /** Cheap: no hash and at most this many instructions. */
  cheapMax?: number;
  /** At most this multiple of the baseline. */
  ratioMax?: number;
}

/** The rows of the table, in the ladder's order. */
export const ROWS: Row[] = [
  { label: "TRUNCATED", name: "TRUNCATED", cheapMax: 300 },
  { label: "BAD_MAGIC", name: "BAD_MAGIC", cheapMax: 300 },
  { label: "BAD_VERSION", name: "BAD_VERSION", cheapMax: 300 },
  { label: "BAD_TYPE", name: "BAD_TYPE", cheapMax: 300 },
  { label: "BAD_LENGTH", name: "BAD_LENGTH", cheapMax: 300 },
  { label: "WRONG_BOOT, no token", name: "WRONG_BOOT", cheapMax: 300 },
  { label: "STALE, no token", name: "STALE", cheapMax: 300 },
  { label: "REPLAY, no token", name: "REPLAY", cheapMax: 600 },
  { label: "REPEATED (a retry)", name: "REPEATED", cheapMax: 600 },
  { label: "BAD_MAC", name: "BAD_MAC", baseline: "HMAC_1" },
  {
    label: "ACCEPTED, 1 key",
    name: "ACCEPTED",
    baseline: "HMAC_1",
    ratioMax: 1.25,
  },
  { label: "  HMAC-SHA256, 73 B", name: "HMAC_1" },
  {
    label: "REFUSED_STALE (a token)",
    name: "REFUSED_STALE",
    baseline: "HMAC_1",
    ratioMax: 1.25,
  },
  {
    label: "REFUSED_FUTURE (consumed)",
    name: "REFUSED_FUTURE",
    baseline: "HMAC_1",
    ratioMax: 1.25,
  },
  {
    label: "PROBE_ANSWERED (check only)",
    name: "PROBE_ANSWERED",
    baseline: "HMAC_1",
    ratioMax: 1.25,
  },
  {
    label: "ACCEPTED, 16 keys",
    name: "ACCEPTED_16",
    baseline: "HMAC_16",
    ratioMax: 1.25,
  },
  { label: "  HMAC-SHA256, 88 B", name: "HMAC_16" },
  {
    label: "ACCEPTED, server key (9th of 9)",
    name: "ACCEPTED_KEY",
    baseline: "HMAC_1",
    ratioMax: 1.25,
  },
  { label: "UNKNOWN_KEY (9 keys)", name: "UNKNOWN_KEY", cheapMax: 300 },
  { label: "legacy ACCEPTED (SHA-1)", name: "LEGACY", baseline: "SHA1" },
  { label: "  SHA-1 of its input", name: "SHA1" },
  {
    label: "output message, 1024 B of text",
    name: "OUTPUT_1024",
    baseline: "CHACHA_1024",
    ratioMax: 1.1,
  },
  { label: "  ChaCha20-Poly1305, 1024 B, 42 B AD", name: "CHACHA_1024" },
  {
    label: "output key O (once per request)",
    name: "OUTPUT_KEY",
    baseline: "HMAC_72",
    ratioMax: 1.25,
  },
  { label: "  HMAC-SHA256, 72 B", name: "HMAC_72" },
];

/** Checks one row against its goal; returns a reason when it misses. */
export function missedGoal(row: Row, costs: Map<string, Cost>): string | null {
  const c = costs.get(row.name);
  if (!c) return `${row.name} not measured`;
  if (row.cheapMax !== undefined) {
    if (c.hashes !== 0) return `${row.label}: ${c.hashes} hashes per packet`;
    if (c.instructions > row.cheapMax) {
      return `${row.label}: ${c.instructions} > ${row.cheapMax} instructions`;
    }
  }
  if (row.ratioMax !== undefined && row.baseline) {
    const ratio = c.instructions / costs.get(row.baseline)!.instructions;
    if (!(ratio <= row.ratioMax)) {
      return `${row.label}: ${ratio.toFixed(3)}x > ${row.ratioMax}x`;
    }
  }
  return null;
}

function printTable(costs: Map<string, Cost>): void {
  const lines = [
    "| case | instructions/packet | hashes/packet | vs baseline | goal |",
    "|---|--:|--:|--:|---|",
  ];
  for (const row of ROWS) {
    const c = costs.get(row.name)!;
    const base = row.baseline ? costs.get(row.baseline) : undefined;
    const ratio = base
      ? `${(c.instructions / base.instructions).toFixed(3)}x`
      : "";
    const goal = row.cheapMax !== undefined
      ? `no hash, <= ${row.cheapMax}`
      : row.ratioMax !== undefined
      ? `<= ${row.ratioMax}x`
      : "";
    const verdict = goal ? (missedGoal(row, costs) ? " MISSED" : " met") : "";
    lines.push(
      `| ${row.label} | ${
        c.instructions.toFixed(1)
      } | ${c.hashes} | ${ratio} | ${goal}${verdict} |`,
    );
  }
  console.log(lines.join("\n"));
  console.log(
    `\ncallgrind Ir per packet, mean of ${ITERATIONS} packets per case, ` +
      "loop overhead included; tests/c/bench_verify.c and bench_output.c " +
      "built -O2 against OpenSSL libcrypto.",
  );
}

if (import.meta.main) {
  const costs = await measure();
  printTable(costs);
  const missed = ROWS.map((r) => missedGoal(r, costs)).filter((m) => m);
  if (missed.length) {
    console.error(`goals missed:\n  ${missed.join("\n  ")}`);
    Deno.exit(1);
  }
}
