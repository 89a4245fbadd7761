/**
 * Through NAT with a server key (issue 14): the guest sits behind QEMU's
 * user-mode NAT, sees itself at 10.0.2.15 and is reached through a
 * forwarded host port (127.0.0.1:P); the real client (cli/, from source),
 * given only an admin secret and an Ansible inventory naming the forwarded
 * address, sends and checks without --server-address. The admin secret and
 * the server's key come from the client's own `keygen`, the key is
 * installed as `+ID:HEX` through the module's parameter, and the key id it
 * names is the one PROTOCOL.md derives (computed here independently).
 * `--check` there is an info probe: the module version, kernel.sysrq and
 * tolerance it reports are the guest's, and nothing runs.
 *
 * Typed as that forwarded address, the guest is silent: the address is an
 * identity of its own, whose key the guest lacks; `--identity` gives the
 * guest's name apart from the address, and the request is accepted.
 *
 * The counter-proof that the NAT is real: the same client in password mode
 * without --server-address gets no answer (its MAC covers 127.0.0.1, the
 * guest checks it against 10.0.2.15) and nothing runs.
 *
 * @module
 */

import assert from "node:assert";
import { fromHex } from "../../core/hex.ts";
import { runClient, SOURCE } from "../../cli/_run_client.ts";
import { counters, delta } from "./_packets.ts";
import { Suite } from "./_suite.ts";
import { installedIds, mustWriteKeys, serverKey } from "./_keys.ts";
import { delay } from "./_util.ts";
import type { Vm } from "./vm.ts";

const suite = new Suite();
const IDENTITY = "natguest";

/** A directory of the client's files: admin secret, inventory, key. */
interface Workstation {
  dir: string;
  secretFile: string;
  inventory: string;
  /** The key line keygen wrote: "ID:HEX". */
  keyLine: string;
}

let station: Workstation | undefined;

/** The client run from source, with `args`; no password in the env. */
async function client(args: string[], env: Record<string, string> = {}) {
  const run = await runClient(SOURCE, args, {
    env: { NO_COLOR: "1", XDG_CONFIG_HOME: station!.dir, ...env },
  });
  return { ...run, text: run.stdout + run.stderr };
}

/**
 * The administrator's side, made once: `keygen` writes the admin secret,
 * an inventory names the guest by its forwarded address, `keygen --server`
 * writes the guest's key line, which is installed in the guest.
 */
async function workstation(vm: Vm): Promise<Workstation> {
  if (station) return station;
  const dir = await Deno.makeTempDir({ prefix: "nsr-nat-" });
  station = {
    dir,
    secretFile: `${dir}/admin_secret`,
    inventory: `${dir}/inventory.yml`,
    keyLine: "",
  };
  await Deno.writeTextFile(
    station.inventory,
    [
      "all:",
      "  hosts:",
      `    ${IDENTITY}:`,
      "      ansible_host: 127.0.0.1",
      `      netsysrq_port: ${vm.ports.v4}`,
      "",
    ].join("\n"),
  );
  const made = await client(["keygen", "-o", station.secretFile]);
  assert.equal(made.code, 0, made.text);
  assert.equal((await Deno.stat(station.secretFile)).mode! & 0o777, 0o600);
  const keyFile = `${dir}/${IDENTITY}.key`;
  const line = await client([
    "keygen",
    "--server",
    IDENTITY,
    "-i",
    station.inventory,
    "--admin-secret",
    station.secretFile,
    "-o",
    keyFile,
  ]);
  assert.equal(line.code, 0, line.text);
  station.keyLine = (await Deno.readTextFile(keyFile)).trim();
  assert.match(station.keyLine, /^[0-9a-f]{8}:[0-9a-f]{64}$/);
  return station;
}

/** The admin secret's bytes, as keygen stored them (hex or base64). */
async function secretBytes(file: string): Promise<Uint8Array> {
  const text = (await Deno.readTextFile(file)).trim();
  if (/^[0-9a-f]{64}$/i.test(text)) return fromHex(text);
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

suite.scenario(
  "NAT: keygen's key for the guest, installed; the id is PROTOCOL.md's",
  async (vm) => {
    const ws = await workstation(vm);
    const [id, keyHex] = ws.keyLine.split(":");
    const mine = await serverKey(await secretBytes(ws.secretFile), IDENTITY);
    assert.equal(id, mine.idHex, "keygen's key id");
    assert.equal(keyHex, mine.keyHex, "keygen's server key");
    await mustWriteKeys(vm, `+${ws.keyLine}`);
    assert.deepEqual(await installedIds(vm), [id]);
  },
);

suite.scenario(
  "NAT: the client reaches 10.0.2.15 through 127.0.0.1:P by inventory, no --server-address",
  async (vm, _password, mark) => {
    const ws = await workstation(vm);
    const id = ws.keyLine.split(":")[0];
    const before = await counters(vm);
    const run = await client([
      "-i",
      ws.inventory,
      "--admin-secret",
      ws.secretFile,
      "h",
      IDENTITY,
    ]);
    assert.equal(run.code, 0, run.text);
    assert.match(run.stdout, new RegExp(`acked by key ${id} in .*ran once: h`));
    assert.doesNotMatch(run.text, /server-address/);
    const d = delta(before, await counters(vm));
    assert.equal(d.accepted, 1, JSON.stringify(d));
    assert.equal(d.keys_executed, 1, JSON.stringify(d));
    // The guest saw the request from QEMU's NAT gateway, and logs the key.
    await vm.waitFor(
      new RegExp(
        `v2 request from 10\\.0\\.2\\.2 accepted, keys "h", key ${id}`,
      ),
      { since: mark },
    );
    await vm.waitFor(/sysrq: HELP/, { since: mark });
  },
);

suite.scenario(
  "NAT: --check in key mode through the forward: fine, key named, nothing runs",
  async (vm, _password, mark) => {
    const ws = await workstation(vm);
    const id = ws.keyLine.split(":")[0];
    const before = await counters(vm);
    const run = await client([
      "--check",
      "-i",
      ws.inventory,
      "--admin-secret",
      ws.secretFile,
      IDENTITY,
    ]);
    assert.equal(run.code, 0, run.text);
    assert.match(run.stdout, new RegExp(`: fine: key ${id} right, `));
    // The info probe's facts, as --json reports them, are the guest's.
    const json = await client([
      "--check",
      "--json",
      "-i",
      ws.inventory,
      "--admin-secret",
      ws.secretFile,
      IDENTITY,
    ]);
    assert.equal(json.code, 0, json.text);
    const facts = JSON.parse(json.stdout);
    const guest = async (path: string) => (await vm.must(`cat ${path}`)).trim();
    assert.equal(facts.module, await guest("/sys/module/xt_SYSRQ/version"));
    assert.equal(facts.sysrq, Number(await guest("/proc/sys/kernel/sysrq")));
    assert.equal(
      facts.toleranceSeconds,
      Number(await guest("/sys/module/xt_SYSRQ/parameters/tolerance")),
    );
    const d = delta(before, await counters(vm));
    assert.equal(d.probes_info, 2, JSON.stringify(d));
    assert.equal(d.accepted ?? 0, 0, JSON.stringify(d));
    assert.equal(d.keys_executed ?? 0, 0, JSON.stringify(d));
    assert.ok(d.probe_answered >= 1, JSON.stringify(d));
    await delay(300);
    assert.doesNotMatch(vm.consoleSince(mark), /\] sysrq: |accepted,/);
  },
);

suite.scenario(
  "NAT: typed as its forwarded address the guest is silent (another identity); --identity is acked",
  async (vm, _password, mark) => {
    const ws = await workstation(vm);
    const id = ws.keyLine.split(":")[0];
    const host = `127.0.0.1:${vm.ports.v4}`;
    const admin = ["--admin-secret", ws.secretFile];
    const before = await counters(vm);
    const typed = await client([
      ...admin,
      "--timeout",
      "0.5",
      "--retries",
      "0",
      "h",
      host,
    ]);
    assert.equal(typed.code, 1, typed.text);
    assert.match(
      typed.stdout,
      new RegExp(`^${host} \\(identity 127\\.0\\.0\\.1\\): no reply`),
    );
    const named = await client([...admin, "--identity", IDENTITY, "h", host]);
    assert.equal(named.code, 0, named.text);
    assert.match(
      named.stdout,
      new RegExp(
        `^${host} \\(identity ${IDENTITY}\\): acked by key ${id} in .*ran once: h`,
      ),
    );
    const d = delta(before, await counters(vm));
    // The probe, and under Deno its copy that listens for ICMP
    // (cli/closed_port.ts): each fails its MAC.
    assert.ok(d.bad_mac >= 1, JSON.stringify(d));
    assert.equal(d.accepted, 1, JSON.stringify(d));
    await vm.waitFor(
      new RegExp(
        `v2 request from 10\\.0\\.2\\.2 accepted, keys "h", key ${id}`,
      ),
      { since: mark },
    );
  },
);

suite.scenario(
  "NAT: password mode without --server-address fails there (the NAT is real)",
  async (vm, _password, mark) => {
    const ws = await workstation(vm);
    const pwFile = `${ws.dir}/password`;
    await Deno.writeTextFile(pwFile, vm.password! + "\n", { mode: 0o600 });
    const before = await counters(vm);
    const run = await client([
      "--key-mode",
      "password",
      "--password-file",
      pwFile,
      "--timeout",
      "0.5",
      "--retries",
      "0",
      "h",
      `127.0.0.1:${vm.ports.v4}`,
    ]);
    assert.equal(run.code, 1, run.text);
    assert.match(run.stdout, /no reply/);
    const d = delta(before, await counters(vm));
    // The probe, and under Deno its copy that listens for ICMP
    // (cli/closed_port.ts): each fails its MAC.
    assert.ok(d.bad_mac >= 1, JSON.stringify(d));
    assert.equal(d.accepted ?? 0, 0, JSON.stringify(d));
    assert.doesNotMatch(vm.consoleSince(mark), /accepted,/);
    await Deno.remove(ws.dir, { recursive: true });
  },
);

suite.shutdownTest();
