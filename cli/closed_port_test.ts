// A closed UDP port (the kernel answers ICMP port unreachable) against one
// that is open but never answers, with real loopback sockets: first the
// connected socket of closed_port.ts alone, then the client in each form
// (from source under Deno as `deno task start` runs it, the bundle under
// Deno and under Node).

import assert from "node:assert";
import { createSocket, type Socket } from "node:dgram";
import { sendConnected } from "./closed_port.ts";
import {
  bundledForms,
  type ClientForm,
  runClient,
  SOURCE,
} from "./_run_client.ts";
import { testPassword } from "../tests/_testing.ts";

const ENV = { SYSRQ_PASSWORD: testPassword(), NO_COLOR: "1" };

/** A port that was just free: nothing listens, the kernel answers ICMP. */
async function closedPort(type: "udp4" | "udp6" = "udp4"): Promise<number> {
  const socket = await silentSocket(type);
  const port = socket.address().port;
  await new Promise((r) => socket.close(() => r(null)));
  return port;
}

/** A bound socket that reads and never answers (a firewall's DROP, seen from outside). */
async function silentSocket(type: "udp4" | "udp6" = "udp4"): Promise<Socket> {
  const socket = createSocket(type);
  const address = type === "udp4" ? "127.0.0.1" : "::1";
  await new Promise((r) => socket.bind(0, address, () => r(null)));
  return socket;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("closed_port: ICMP port unreachable seen on a connected socket, IPv4 and IPv6", async () => {
  for (
    const [type, address, family] of [
      ["udp4", "127.0.0.1", 4],
      ["udp6", "::1", 6],
    ] as const
  ) {
    const closed = sendConnected(
      new Uint8Array(8),
      address,
      await closedPort(type),
      family,
    );
    assert.ok(closed, "FFI is granted to this test: a socket was made");
    const silent = await silentSocket(type);
    const open = sendConnected(
      new Uint8Array(8),
      address,
      silent.address().port,
      family,
      address, // --source
    )!;
    try {
      await delay(200);
      assert.equal(closed.refused(), true, `${type}: closed port`);
      assert.equal(closed.refused(), true, "stays true");
      assert.equal(open.refused(), false, `${type}: port that drops`);
    } finally {
      closed.close();
      open.close();
      silent.close();
    }
  }
  assert.equal(
    sendConnected(new Uint8Array(8), "fe80::1%lo", 9, 6),
    null,
    "scoped addresses are not tried",
  );
});

async function clientForms(dir: string): Promise<ClientForm[]> {
  return [SOURCE, ...await bundledForms(dir)];
}

Deno.test("closed port: every form says nothing listens; a port that drops stays 'no answer'", async () => {
  const dir = await Deno.makeTempDir();
  const silent = await silentSocket();
  const dropping = `127.0.0.1:${silent.address().port}`;
  try {
    for (const form of await clientForms(dir)) {
      const port = await closedPort();
      const closed = `127.0.0.1:${port}`;
      const args = ["--timeout", "0.3", "--retries", "4"];
      const send = await runClient(form, [...args, "s", closed], { env: ENV });
      assert.equal(send.code, 1, `${form.name}: ${send.stderr}`);
      assert.match(
        send.stdout,
        new RegExp(`nothing listens on UDP ${port} there: module or rule`),
        form.name,
      );

      const check = await runClient(
        form,
        [...args.slice(0, 2), "--check", closed, dropping],
        { env: ENV },
      );
      assert.equal(check.code, 1, `${form.name}: ${check.stderr}`);
      assert.match(
        check.stdout,
        new RegExp(`${closed}: error: nothing listens on UDP ${port} there`),
        form.name,
      );
      assert.match(
        check.stdout,
        new RegExp(`${dropping}: no answer \\(3 probes\\)`),
        form.name,
      );
    }
  } finally {
    silent.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("closed port under Deno without --allow-ffi: read as silence, nothing worse", async () => {
  const port = await closedPort();
  const flags = SOURCE.args.filter((a) => a !== "--allow-ffi");
  assert.notDeepEqual(flags, SOURCE.args, "the client runs with --allow-ffi");
  const run = await runClient(
    { ...SOURCE, args: flags },
    ["--timeout", "0.2", "--check", `127.0.0.1:${port}`],
    { env: ENV },
  );
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout, /: no answer \(3 probes\)/);
});

Deno.test("deno task start runs the client with the permissions of every Deno form", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  );
  const start = config.tasks.start.split(" ");
  assert.deepEqual(start.slice(0, 2), ["deno", "run"]);
  assert.deepEqual(start.slice(2, -1), SOURCE.args.slice(1, -1));
  assert.equal(start.at(-1), "cli/main.ts");
});
