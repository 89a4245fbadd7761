// Guard rails, against the loopback test responder: swapped arguments and
// harmful keys without a confirmation are refused before anything is sent;
// a host named twice gets one request; --dry-run prints no live credential.

import assert from "node:assert";
import { deriveKey, Verdict } from "../mod.ts";
import {
  type Responder,
  usingResponder,
} from "../tests/responder/responder.ts";
import { testPassword } from "../tests/_testing.ts";
import { runClient, SOURCE } from "./_run_client.ts";
import { checkKeysNotAHost } from "./guard.ts";

const PASSWORD = testPassword();
const KEY = await deriveKey(PASSWORD);
const ENV = { SYSRQ_PASSWORD: PASSWORD };

/** The client with no controlling terminal (as from cron): `setsid -w`. */
async function detached(args: string[], env = ENV) {
  const out = await new Deno.Command("setsid", {
    args: ["-w", SOURCE.command, ...SOURCE.args, ...args],
    env: { XDG_CONFIG_HOME: "/nonexistent/netsysrq-tests", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

const accepted = (r: Responder) =>
  r.seen.filter((s) => s.verdict === Verdict.ACCEPTED).length;

Deno.test("swapped arguments: refused with the likely mistake, nothing sent", async () => {
  await usingResponder({ key: KEY }, async (responder, host) => {
    for (const keys of ["localhost", "web1"]) {
      const run = await runClient(SOURCE, ["--yes", keys, host], { env: ENV });
      assert.equal(run.code, 2, run.stderr);
      assert.match(
        run.stderr,
        /is not a SysRq sequence: keys after .* would never run\. Is it a host\?/,
      );
      assert.match(run.stderr, /The order is KEYS HOST/);
    }
    const same = await runClient(SOURCE, ["--yes", "sub", host, "sub"], {
      env: ENV,
    });
    assert.equal(same.code, 2);
    assert.equal(responder.seen.length, 0);
    const named = await runClient(SOURCE, ["--keys", "s", host, "s"], {
      env: ENV,
    });
    assert.equal(named.code, 1, named.stderr);
    assert.match(named.stdout, /^s: error: cannot resolve s/m);
    assert.equal(accepted(responder), 1);
  });
});

Deno.test("KEYS that resolve as a host name are refused", async () => {
  // No name every machine resolves is also a plausible key sequence, so the
  // lookup is tested on its own: "localhost" resolves everywhere.
  await assert.rejects(
    checkKeysNotAHost("localhost"),
    /KEYS "localhost" resolves as a host \(.*\): arguments swapped\?.*--keys localhost/,
  );
  await checkKeysNotAHost("12");
});

Deno.test("--keys: KEYS named explicitly may equal a host", async () => {
  await usingResponder({ key: KEY }, async (responder, host) => {
    const run = await runClient(SOURCE, ["s", host, "s"], { env: ENV });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /also given as a host: arguments swapped\?/);
    assert.equal(responder.seen.length, 0);
  });
});

Deno.test("harmful keys without a terminal and without --yes: exit 2, nothing sent", async () => {
  await usingResponder({ key: KEY }, async (responder, host) => {
    const run = await detached(["sub", host]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /u, b stop or damage a machine .*add --yes/);
    assert.equal(responder.seen.length, 0);
    const harmless = await detached(["s", host]);
    assert.equal(harmless.code, 0, harmless.stderr);
    const yes = await detached(["--yes", "sub", host]);
    assert.equal(yes.code, 0, yes.stderr);
    assert.equal(accepted(responder), 2);
  });
});

Deno.test("a host named twice (name and address) is sent once, and said once", async () => {
  await usingResponder({ key: KEY }, async (responder, host) => {
    const byName = `localhost:${responder.port}`;
    const run = await runClient(SOURCE, ["s", byName, host], { env: ENV });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.equal(accepted(responder), 1);
    assert.equal(run.stderr.match(/sent once/g)?.length, 1, run.stderr);
    assert.match(run.stdout, /1 host in .*: 1 acked/);
  });
});

Deno.test("--dry-run: keys decoded, no packet; --packet's bytes are refused", async () => {
  await usingResponder({ key: KEY }, async (responder, host) => {
    const run = await runClient(SOURCE, ["--dry-run", "sub", host], {
      env: ENV,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /b {2}reboot at once, without syncing {2}\(!\)/);
    assert.match(run.stdout, /MAC bound to 127\.0\.0\.1/);
    assert.doesNotMatch(run.stdout, /[0-9a-f]{40}/);
    assert.equal(responder.seen.length, 0);

    const json = await runClient(SOURCE, ["--dry-run", "--json", "sub", host], {
      env: ENV,
    });
    const plan = JSON.parse(json.stdout);
    assert.equal(plan.boundAddress, "127.0.0.1");
    assert.deepEqual(plan.keys.map((k: { harmful: boolean }) => k.harmful), [
      false,
      true,
      true,
    ]);
    assert.equal(plan.packet, undefined);

    const raw = await runClient(SOURCE, ["--dry-run", "--packet", "s", host], {
      env: ENV,
    });
    assert.match(raw.stderr, /warning: --packet/);
    const hex = raw.stdout.match(/[0-9a-f]{80,}/)?.[0];
    assert.ok(hex, raw.stdout);
    const bytes = new Uint8Array(hex.match(/../g)!.map((b) => parseInt(b, 16)));
    const { createSocket } = await import("node:dgram");
    const socket = createSocket("udp4");
    await new Promise((r) =>
      socket.send(bytes, responder.port, "127.0.0.1", r)
    );
    await new Promise((r) => setTimeout(r, 200));
    socket.close();
    assert.equal(responder.seen.length, 1);
    assert.notEqual(responder.seen[0].verdict, Verdict.ACCEPTED);
  });
});
