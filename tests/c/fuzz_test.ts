/**
 * A libFuzzer smoke over the C verifier (tests/c/fuzz_verify.c, built with
 * ASan and UBSan): it fails on any crash, sanitizer report or broken ladder
 * invariant. Needs clang 14 with libclang-rt-14-dev.
 *
 * `deno task test` fuzzes for NSR_FUZZ_SECONDS (default 55). For a longer
 * run by hand, either
 *   NSR_FUZZ_SECONDS=3600 deno test -A tests/c/fuzz_test.ts
 * or, after `make -C tests/c fuzz`, on both cores:
 *   tests/.work/c/fuzz_verify -jobs=2 -max_total_time=3600 \
 *     tests/.work/c/corpus tests/.work/c/seeds
 * The corpus in tests/.work/c/corpus grows across runs; a crashing input is
 * written to tests/.work/c/crash-* and replays with
 * `tests/.work/c/fuzz_verify <file>`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { make, OUT_DIR, VECTORS_DIR } from "./_harness.ts";
import { fromHex } from "../../core/hex.ts";

const seconds = Number(Deno.env.get("NSR_FUZZ_SECONDS") ?? "55");

/** The fuzz target's control header (see fuzz_verify.c). */
const MODE_LEGACY = 0x01;
const MODE_RESIGN = 0x02;
const MODE_BOOT = 0x20;
const MODE_LAST = 0x40;
const MODE_SERVER_KEY = 0x80;
/** now = timestamp, floor = timestamp - 1, tolerance = 300 s. */
const CTL_TAIL = [5, 0, 0, 0, 1, 0x12, 0x4f];

/** A v2 request with a correct frame and a zero tag (re-signed in mode 2). */
function requestSeed(): Uint8Array {
  const pkt = new Uint8Array(57);
  pkt.set([0x4e, 0x53, 0x52, 0x51, 2, 1, 1, 1]);
  new DataView(pkt.buffer).setBigUint64(16, 1_800_000_000_000n);
  pkt[40] = 0x73; // "s"
  return pkt;
}

/** A v2 probe with a zero tag: plain (56 bytes) or info (80 bytes). */
function probeSeed(info = false): Uint8Array {
  const pkt = new Uint8Array(info ? 80 : 56);
  pkt.set([0x4e, 0x53, 0x52, 0x51, 2, 4, 0, info ? 24 : 0]);
  return pkt;
}

const legacySeed = new TextEncoder().encode(
  "s,1800000001,AAAAAAAAAAAAAAAA," + "0".repeat(40),
);

/** Seeds: built-in shapes, plus every shared vector's packet if present. */
async function writeSeeds(dir: string): Promise<number> {
  const packets: [number, Uint8Array][] = [
    [MODE_RESIGN, requestSeed()],
    [MODE_RESIGN | MODE_BOOT, requestSeed()],
    [MODE_RESIGN | MODE_BOOT | MODE_LAST, requestSeed()],
    [MODE_RESIGN, probeSeed()],
    [MODE_RESIGN, probeSeed(true)],
    [MODE_RESIGN | MODE_SERVER_KEY, probeSeed(true)],
    [MODE_RESIGN | MODE_BOOT | MODE_SERVER_KEY, requestSeed()],
    [MODE_RESIGN | MODE_BOOT | MODE_LAST | MODE_SERVER_KEY, requestSeed()],
    [MODE_LEGACY | MODE_RESIGN, legacySeed],
  ];
  for (const [file, mode] of [["requests.json", 0], ["legacy.json", 1]]) {
    const text = await Deno.readTextFile(`${VECTORS_DIR}${file}`)
      .catch(() => null);
    if (text === null) continue;
    for (const c of JSON.parse(text).cases as { packetHex: string }[]) {
      packets.push([Number(mode), fromHex(c.packetHex)]);
      packets.push([Number(mode) | MODE_RESIGN, fromHex(c.packetHex)]);
      if (mode === 0) {
        packets.push([MODE_RESIGN | MODE_BOOT, fromHex(c.packetHex)]);
      }
    }
  }
  await Deno.mkdir(dir, { recursive: true });
  for (const [i, [mode, pkt]] of packets.entries()) {
    await Deno.writeFile(
      `${dir}/seed-${i}`,
      new Uint8Array([mode, ...CTL_TAIL, ...pkt]),
    );
  }
  return packets.length;
}

Deno.test(`C verifier: libFuzzer smoke (${seconds} s)`, async () => {
  await make("fuzz");
  const corpus = `${OUT_DIR}corpus`;
  const seeds = `${OUT_DIR}seeds`;
  await Deno.mkdir(corpus, { recursive: true });
  assert.ok(await writeSeeds(seeds) >= 2);
  const { code, stderr } = await new Deno.Command(`${OUT_DIR}fuzz_verify`, {
    args: [
      `-max_total_time=${seconds}`,
      "-timeout=10",
      "-rss_limit_mb=2048",
      "-print_final_stats=1",
      `-artifact_prefix=${OUT_DIR}`,
      corpus,
      seeds,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  const log = new TextDecoder().decode(stderr);
  const runs = log.match(/stat::number_of_executed_units:\s*(\d+)/)?.[1];
  assert.equal(code, 0, `fuzzer failed:\n${log.slice(-4000)}`);
  assert.ok(Number(runs) > 0, `fuzzer ran nothing:\n${log.slice(-2000)}`);
  console.log(`fuzz_verify: ${runs} inputs in ${seconds} s, no finding`);
});
