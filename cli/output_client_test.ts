// What the keys printed, end to end: the real client, spawned from source,
// over real UDP against the loopback responder sending output messages as
// the module does — lost, forged, corrupted, cut, busy, replayed, and text
// that tries to act on the terminal.

import assert from "node:assert/strict";
import dgram from "node:dgram";
import {
  deriveKey,
  keyIdOf,
  KeySet,
  type MacKey,
  serverKey,
  Verdict,
} from "../mod.ts";
import { hex } from "../core/hex.ts";
import {
  requestsSeen,
  type Responder,
  type ResponderOptions,
  startResponder,
  usingResponder,
} from "../tests/responder/responder.ts";
import { runClient, SOURCE } from "./_run_client.ts";
import { testPassword } from "../tests/_testing.ts";

const PASSWORD = testPassword();
const KEY: MacKey = await deriveKey(PASSWORD);
const OTHER_KEY: MacKey = await deriveKey(testPassword());
const ENV = { SYSRQ_PASSWORD: PASSWORD };
/** Short waits: the output's idle bound is three times this. */
const FAST = ["--timeout", "0.3"];

const DUMP = "[ 8123.456789] sysrq: Show Blocked State\n" +
  "[ 8123.456801] task:tar             state:D stack:0     pid:4211\n" +
  "[ 8123.456802] Call Trace:\n" +
  "[ 8123.456803]  <TASK>\n" +
  "[ 8123.456804]  __schedule+0x3c0/0xbc0\n";

/** A responder holding KEY (OTHER_KEY for forgeries), behaving as told. */
function withResponder(
  behaviour: Partial<ResponderOptions>,
  fn: (responder: Responder, host: string) => Promise<void>,
) {
  return usingResponder({ key: KEY, otherKey: OTHER_KEY, ...behaviour }, fn);
}

function send(args: string[]) {
  return runClient(SOURCE, ["--yes", ...FAST, ...args], { env: ENV });
}

/** The lines under the result line that show the output text. */
function shown(stdout: string): string {
  return stdout.split("\n").filter((l) => l.startsWith("    ")).map((l) =>
    l.slice(4)
  ).join("\n") + "\n";
}

Deno.test("output: printed under the result line, indented, in index order", async () => {
  await withResponder(
    { output: { text: DUMP, chunkSize: 50, gapMs: 5 } },
    async (responder, host) => {
      const run = await send(["w", host]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stdout,
        new RegExp(
          `^${host}: acked in .*, ran once: w\n  output \\(${DUMP.length} bytes\\):\n    \\[ 8123`,
        ),
      );
      assert.equal(shown(run.stdout), DUMP);
      assert.doesNotMatch(run.stdout, /incomplete|dropped|truncated/);
      const [request] = requestsSeen(responder);
      assert.equal(request.packet[6], 0x03, "ACK_WANTED | OUTPUT_WANTED");
      assert.equal(request.outputSent, Math.ceil(DUMP.length / 50));
    },
  );
});

Deno.test("output: a lost chunk is reported and marked where it was", async () => {
  await withResponder(
    { output: { text: DUMP, chunkSize: 50, lose: [1] } },
    async (_, host) => {
      const run = await send(["w", host]);
      assert.match(run.stdout, /\n {2}output incomplete: missing chunk 1\n/);
      assert.ok(
        shown(run.stdout).startsWith(
          DUMP.slice(0, 50) + "\n[chunk 1 missing]\n" + DUMP.slice(100),
        ),
        run.stdout,
      );
    },
  );
});

Deno.test("output: a lost last chunk: the end never arrived", async () => {
  await withResponder(
    { output: { text: DUMP, chunkSize: 50, lose: [3] } },
    async (_, host) => {
      assert.equal(Math.ceil(DUMP.length / 50), 4, "chunks 0 to 3");
      const run = await send(["w", host]);
      assert.match(run.stdout, /its end never arrived \(after chunk 2\)/);
      assert.equal(shown(run.stdout), DUMP.slice(0, 150) + "\n");
    },
  );
});

Deno.test("output: forged, corrupted and foreign chunks are dropped and counted", async () => {
  await withResponder(
    {
      output: {
        text: DUMP,
        forge: ["wrong-key", "flipped", "foreign", "garbage"],
        duplicate: true,
      },
    },
    async (_, host) => {
      const run = await send(["w", host]);
      assert.equal(run.code, 0);
      assert.equal(shown(run.stdout), DUMP, "the true text, once");
      assert.match(
        run.stdout,
        /\n {2}dropped 4 output messages that failed authentication\n/,
      );
      assert.doesNotMatch(run.stdout, /forged|owned/);
    },
  );
});

Deno.test("output: over the server's limit, cut and marked truncated (text and JSON)", async () => {
  const long = "x".repeat(99) + "\n";
  await withResponder(
    { output: { text: long.repeat(30), limit: 2048 } },
    async (_, host) => {
      const run = await send(["w", host]);
      assert.match(run.stdout, /output \(2 KiB\):/);
      assert.match(
        run.stdout,
        /\n {2}output truncated: longer than the server's limit/,
      );
      const json = JSON.parse((await send(["--json", "w", host])).stdout);
      assert.equal(json.output.truncated, true);
      assert.equal(json.output.bytes, 2048);
      assert.equal(json.output.complete, true);
    },
  );
});

Deno.test("output: empty output is shown as empty; unfinished is said", async () => {
  await withResponder({ output: { text: "" } }, async (_, host) => {
    const run = await send(["s", host]);
    assert.match(
      run.stdout,
      /\n {2}output: empty \(the keys printed nothing\)\n/,
    );
  });
  await withResponder(
    { output: { text: "Emergency Sync\n", unfinished: true } },
    async (_, host) => {
      const run = await send(["s", host]);
      assert.match(run.stdout, /\n {2}output unfinished: a completion line/);
    },
  );
});

Deno.test("output: escape sequences and invalid UTF-8 from the server never reach the terminal", async () => {
  const evil = new Uint8Array([
    ...new TextEncoder().encode("task:\x1b]0;pwned\x07 state:D\n\x9b2J"),
    0xff,
    0xfe,
    ...new TextEncoder().encode("\r\u009bdone é\n"),
  ]);
  await withResponder({ output: { text: evil } }, async (_, host) => {
    const run = await send(["w", host]);
    // deno-lint-ignore no-control-regex
    assert.ok(!/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(run.stdout), run.stdout);
    assert.equal(
      shown(run.stdout),
      "task:\\x1b]0;pwned\\x07 state:D\n\\xc2\\x9b2J\\xff\\xfe\\x0d\\xc2\\x9bdone é\n",
    );
    const json = JSON.parse((await send(["--json", "w", host])).stdout);
    assert.match(json.output.text, /^task:\\x1b\]0;pwned\\x07/);
  });
});

Deno.test("output: --output DIR writes HOST.log, escaped, mode 0600", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const evil = "task:\x1b]0;pwned\x07\n";
    await withResponder({ output: { text: evil } }, async (_, host) => {
      const target = `${dir}/new/logs`; // created
      const run = await send(["--output", target, "w", host]);
      assert.equal(run.code, 0, run.stderr);
      const file = `${target}/${host}.log`;
      assert.match(
        run.stdout,
        new RegExp(`output: 16 bytes written to ${file}\n`),
      );
      assert.equal(await Deno.readTextFile(file), "task:\\x1b]0;pwned\\x07\n");
      assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
      assert.equal((await Deno.stat(target)).mode! & 0o777, 0o700);
      // Again, over a world-readable file: replaced, still 0600.
      await Deno.chmod(file, 0o644);
      await send(["--output", target, "w", host]);
      assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    });
    // A DIR that is a file: refused before anything is sent.
    await Deno.writeTextFile(`${dir}/file`, "");
    await withResponder({ output: { text: evil } }, async (responder, host) => {
      const run = await send(["--output", `${dir}/file`, "w", host]);
      assert.equal(run.code, 2);
      assert.match(
        run.stderr,
        /--output .*file: (not a directory|exists and is not a directory)/,
      );
      assert.equal(responder.seen.length, 0);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("output: a busy server, a server without output, and --no-output", async () => {
  await withResponder({ output: { busy: true } }, async (_, host) => {
    const run = await send(["w", host]);
    assert.match(
      run.stdout,
      /no output: the server was still sending another request's output/,
    );
  });
  await withResponder({}, async (_, host) => {
    const run = await send(["w", host]);
    assert.match(run.stdout, /no output: the server sends none/);
  });
  await withResponder({ output: { text: DUMP } }, async (responder, host) => {
    const run = await send(["--no-output", "w", host]);
    assert.doesNotMatch(run.stdout, /output/);
    assert.equal(requestsSeen(responder)[0].packet[6], 0x01);
    assert.equal(requestsSeen(responder)[0].outputSent, undefined);
  });
});

Deno.test("output: a lost ack's retry is re-acked; the first copy's output came here and is shown", async () => {
  await withResponder(
    { dropReplies: 1, output: { text: DUMP } },
    async (responder, host) => {
      const run = await send(["w", host]);
      assert.match(run.stdout, /ran once; ack re-sent/);
      assert.equal(shown(run.stdout), DUMP);
      assert.equal(responder.runs(), 1);
    },
  );
  // Its output lost too: the client says where it went.
  await withResponder(
    { dropReplies: 1, output: { text: DUMP, lose: [0] } },
    async (_, host) => {
      const run = await send(["w", host]);
      assert.match(
        run.stdout,
        /no output here: it went to the source of the copy that ran/,
      );
    },
  );
});

Deno.test("output: a replayed request gets a re-ack and no output, from anywhere", async () => {
  await withResponder({ output: { text: DUMP } }, async (responder, host) => {
    assert.equal((await send(["w", host])).code, 0);
    const [first] = requestsSeen(responder);
    // An attacker replays the captured request from another socket.
    const socket = dgram.createSocket("udp4");
    const got: Uint8Array[] = [];
    socket.on("message", (m) => got.push(new Uint8Array(m)));
    await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
    socket.send(first.packet, responder.port, responder.address);
    await new Promise((r) => setTimeout(r, 300));
    socket.close();
    const replay = requestsSeen(responder)[1];
    assert.equal(replay.verdict, Verdict.REPEATED);
    assert.equal(replay.outputSent, undefined);
    assert.equal(got.length, 1, "the re-ack only");
    assert.equal(got[0][5], 2);
    assert.equal(got[0][6], 0x01, "REPEAT, no OUTPUT_FOLLOWS");
  });
});

Deno.test("output: server-key mode, the output sealed under web1's own key", async () => {
  const dir = await Deno.makeTempDir();
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const keys = new KeySet({
    serverKeys: [[await keyIdOf(secret), await serverKey(secret, "web1")]],
  });
  const responder = await startResponder({
    keys,
    output: { text: DUMP, chunkSize: 100 },
  });
  try {
    const secretFile = `${dir}/admin_secret`;
    await Deno.writeTextFile(secretFile, hex(secret) + "\n", { mode: 0o600 });
    const inv = `${dir}/inv.yml`;
    await Deno.writeTextFile(
      inv,
      `ungrouped:\n  hosts:\n    web1:\n      ansible_host: "127.0.0.1"\n` +
        `      netsysrq_port: ${responder.port}\n`,
    );
    const run = await runClient(SOURCE, [
      ...FAST,
      "--admin-secret",
      secretFile,
      "-i",
      inv,
      "w",
      "web1",
    ]);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.equal(shown(run.stdout), DUMP);
    assert.equal(requestsSeen(responder)[0].packet[6], 0x03);
  } finally {
    await responder.close();
    await Deno.remove(dir, { recursive: true });
  }
});
