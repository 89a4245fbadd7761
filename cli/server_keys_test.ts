// Server-key mode in the real client, against loopback responders that each
// hold only their own key (tests/responder): keygen's admin secret and
// server lines, an inventory naming hosts and groups, a fleet moving from
// the password to per-server keys, and the attacks: a packet made for one
// server at another with the same address, an inventory error or an
// unknown name (nothing sent).

import assert from "node:assert";
import {
  deriveKey,
  formatKeyId,
  keyIdOf,
  KeySet,
  serverKey,
  serverKeyBytes,
  Verdict,
} from "../mod.ts";
import { hex } from "../core/hex.ts";
import {
  requestsSeen,
  type Responder,
  startResponder,
} from "../tests/responder/responder.ts";
import { testPassword } from "../tests/_testing.ts";
import { runClient, SOURCE } from "./_run_client.ts";

const PASSWORD = testPassword();
const PASSWORD_KEY = await deriveKey(PASSWORD);

interface Setup {
  dir: string;
  secretFile: string;
  secret: Uint8Array;
  keyId: number;
  responders: Map<string, Responder>;
}

/**
 * A workstation (an admin secret made by the real keygen) and one responder
 * per identity holding only that server's key (and the password's key when
 * `withPassword` names it: a server in the middle of a migration).
 */
async function withFleet(
  identities: string[],
  fn: (setup: Setup) => Promise<void>,
  withPassword: string[] = [],
) {
  const dir = await Deno.makeTempDir();
  const responders = new Map<string, Responder>();
  try {
    const secretFile = `${dir}/admin_secret`;
    const made = await runClient(SOURCE, ["keygen", "-o", secretFile]);
    assert.equal(made.code, 0, made.stderr);
    const text = await Deno.readTextFile(secretFile);
    assert.match(text, /^[0-9a-f]{64}\n$/);
    const secret = Uint8Array.from(
      text.trim().match(/../g)!,
      (b) => parseInt(b, 16),
    );
    const keyId = await keyIdOf(secret);
    for (const identity of identities) {
      const keys = new KeySet({
        password: withPassword.includes(identity) ? PASSWORD_KEY : null,
        serverKeys: [[keyId, await serverKey(secret, identity)]],
      });
      responders.set(identity, await startResponder({ keys }));
    }
    await fn({ dir, secretFile, secret, keyId, responders });
  } finally {
    await Promise.all([...responders.values()].map((r) => r.close()));
    await Deno.remove(dir, { recursive: true });
  }
}

/** A YAML inventory: each host at 127.0.0.1 on its responder's port. */
function inventory(
  groups: Record<string, Record<string, Record<string, string | number>>>,
): string {
  return Object.entries(groups).map(([group, hosts]) =>
    `${group}:\n  hosts:\n` +
    Object.entries(hosts).map(([host, vars]) =>
      `    ${host}:\n` +
      Object.entries(vars).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}\n`)
        .join("")
    ).join("")
  ).join("");
}

const json = (stdout: string) =>
  stdout.trim().split("\n").filter((l) => l).map((l) => JSON.parse(l));

Deno.test("keygen: the admin secret file, and a server's key line on a pipe", async () => {
  await withFleet([], async ({ dir, secretFile, secret, keyId }) => {
    assert.equal((await Deno.stat(secretFile)).mode! & 0o777, 0o600);
    const piped = await runClient(SOURCE, ["keygen"]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout, /^[0-9a-f]{64}\n$/, "keygen | cat: the secret");
    const again = await runClient(SOURCE, ["keygen", "-o", secretFile]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists: keygen never overwrites/);

    const line = await runClient(SOURCE, [
      "keygen",
      "--server",
      "Web1.example.com",
      "--admin-secret",
      secretFile,
    ]);
    assert.equal(line.code, 0, line.stderr);
    const expected = `${formatKeyId(keyId)}:${
      hex(await serverKeyBytes(secret, "web1.example.com"))
    }\n`;
    assert.equal(line.stdout, expected, "ID:HEX, identity lowercased");

    // -o FILE: the key line in a 0600 file; the lines read that file.
    const keyFile = `${dir}/web1.key`;
    const written = await runClient(SOURCE, [
      "keygen",
      "--server",
      "web1",
      "--admin-secret",
      secretFile,
      "-o",
      keyFile,
    ]);
    assert.equal(written.code, 0, written.stderr);
    assert.equal((await Deno.stat(keyFile)).mode! & 0o777, 0o600);
    const keyLine = (await Deno.readTextFile(keyFile)).trim();
    assert.match(keyLine, /^[89a-f][0-9a-f]{7}:[0-9a-f]{64}$/);
    const said = written.stdout + written.stderr;
    assert.ok(!said.includes(keyLine.slice(9)), "the lines hold the key");
    assert.match(
      said,
      /printf 'options xt_SYSRQ keys=%s\\n' "\$\(cat \/root\/sysrq\.key\)" > \/etc\/modprobe\.d\/xt_SYSRQ-keys\.conf/,
    );
    assert.match(
      said,
      /printf '\+%s' "\$\(cat \/root\/sysrq\.key\)" > \/sys\/module\/xt_SYSRQ\/parameters\/keys/,
    );

    // A world-readable admin secret is refused, as a password file is.
    await Deno.chmod(secretFile, 0o644);
    const open = await runClient(SOURCE, [
      "keygen",
      "--server",
      "web1",
      "--admin-secret",
      secretFile,
    ]);
    assert.equal(open.code, 2);
    assert.match(open.stderr, /admin secret file .* is readable by others/);
  });
});

Deno.test("keygen --server: the install lines, run by a shell, write the modprobe.d line and the +ID:HEX", async () => {
  await withFleet([], async ({ dir, secretFile, secret, keyId }) => {
    // The ssh line's remote half, run by sh with the module's files moved
    // into a scratch directory: the key comes on stdin, never in argv.
    const made = await runClient(SOURCE, [
      "keygen",
      "--server",
      "web1",
      "--admin-secret",
      secretFile,
    ]);
    const terminalText = (await import("./keygen.ts")).remoteInstall()
      .replaceAll("/etc/modprobe.d", dir)
      .replaceAll("/sys/module/xt_SYSRQ", `${dir}/module`);
    await Deno.mkdir(`${dir}/module/parameters`, { recursive: true });
    const child = new Deno.Command("sh", {
      args: ["-c", terminalText],
      stdin: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(made.stdout));
    await writer.close();
    assert.ok((await child.status).success);
    const line = `${formatKeyId(keyId)}:${
      hex(await serverKeyBytes(secret, "web1"))
    }`;
    assert.equal(
      await Deno.readTextFile(`${dir}/xt_SYSRQ-keys.conf`),
      `options xt_SYSRQ keys=${line}\n`,
    );
    assert.equal(
      (await Deno.stat(`${dir}/xt_SYSRQ-keys.conf`)).mode! & 0o777,
      0o600,
    );
    assert.equal(
      await Deno.readTextFile(`${dir}/module/parameters/keys`),
      `+${line}`,
    );
  });
});

Deno.test("inventory: a host and a group, each with its own key, no --server-address", async () => {
  await withFleet(["web1", "web2.example.com", "db1"], async (setup) => {
    const port = (id: string) => setup.responders.get(id)!.port;
    const inv = `${setup.dir}/inv.yml`;
    await Deno.writeTextFile(
      inv,
      inventory({
        eu: {
          web2: {
            netsysrq_port: port("web2.example.com"),
            netsysrq_identity: "web2.example.com",
          },
          db1: { ansible_host: "127.0.0.1", netsysrq_port: port("db1") },
        },
        ungrouped: {
          web1: { ansible_host: "127.0.0.1", netsysrq_port: port("web1") },
        },
      }).replace(/web2:\n/, 'web2:\n      ansible_host: "127.0.0.1"\n'),
    );
    const run = await runClient(SOURCE, [
      "--json",
      "--admin-secret",
      setup.secretFile,
      "-i",
      inv,
      "s",
      "web1",
      "eu",
    ]);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const results = json(run.stdout);
    assert.deepEqual(results.map((r) => r.host), ["web1", "web2", "db1"]);
    for (const r of results) {
      assert.equal(r.outcome, "acked", JSON.stringify(r));
      assert.equal(r.keyId, formatKeyId(setup.keyId), "says which key acked");
    }
    for (const responder of setup.responders.values()) {
      const seen = requestsSeen(responder);
      assert.deepEqual(seen.map((s) => s.verdict), [Verdict.ACCEPTED]);
    }
    // The text line names the key too.
    const text = await runClient(SOURCE, [
      "--admin-secret",
      setup.secretFile,
      "-i",
      inv,
      "s",
      "web1",
    ]);
    assert.match(
      text.stdout,
      new RegExp(
        `web1 \\(127\\.0\\.0\\.1, identity web1\\): acked by key ${
          formatKeyId(setup.keyId)
        } in `,
      ),
    );
  });
});

Deno.test("attack: two servers at one address; a packet for web1 gets nothing from web2", async () => {
  await withFleet(["web1", "web2"], async (setup) => {
    // web2's name pointed at web1's identity: the packets are web1's.
    const inv = `${setup.dir}/inv.yml`;
    await Deno.writeTextFile(
      inv,
      inventory({
        eu: {
          web2: {
            ansible_host: "127.0.0.1",
            netsysrq_port: setup.responders.get("web2")!.port,
            netsysrq_identity: "web1",
          },
        },
      }),
    );
    const run = await runClient(SOURCE, [
      "--json",
      "--timeout",
      "0.2",
      "--retries",
      "0",
      "--admin-secret",
      setup.secretFile,
      "-i",
      inv,
      "s",
      "web2",
    ]);
    assert.equal(run.code, 1);
    assert.equal(json(run.stdout)[0].outcome, "no-reply");
    const web2 = setup.responders.get("web2")!;
    // The probe, and the copy that listens for ICMP (cli/closed_port.ts).
    assert.ok(web2.seen.length >= 1);
    assert.ok(web2.seen.every((s) => s.verdict === Verdict.BAD_MAC));
    assert.equal(web2.runs(), 0);
  });
});

Deno.test("--identity: a host typed as an address gets the key its server holds; each line names the identity", async () => {
  await withFleet(["guest1"], async (setup) => {
    const host = `127.0.0.1:${setup.responders.get("guest1")!.port}`;
    const admin = ["--admin-secret", setup.secretFile];
    const quick = ["--timeout", "0.2", "--retries", "0"];
    // The first day's mistake: the address is the identity, the server
    // holds guest1's key, and the silent line says which identity it was.
    const typed = await runClient(SOURCE, [...admin, ...quick, "s", host]);
    assert.equal(typed.code, 1, typed.stderr + typed.stdout);
    assert.match(
      typed.stdout,
      new RegExp(`^${host} \\(identity 127\\.0\\.0\\.1\\): no reply`),
    );
    assert.match(typed.stdout, /--identity NAME/);
    const sent = await runClient(SOURCE, [
      ...admin,
      "--identity",
      "guest1",
      "s",
      host,
    ]);
    assert.equal(sent.code, 0, sent.stderr + sent.stdout);
    assert.match(
      sent.stdout,
      new RegExp(
        `^${host} \\(identity guest1\\): acked by key ${
          formatKeyId(setup.keyId)
        } in `,
      ),
    );
    const checked = await runClient(SOURCE, [
      ...admin,
      "--check",
      "--json",
      "--identity",
      "GUEST1",
      host,
    ]);
    assert.equal(checked.code, 0, checked.stderr + checked.stdout);
    assert.equal(json(checked.stdout)[0].identity, "guest1");
    const dry = await runClient(SOURCE, [
      ...admin,
      "--dry-run",
      "--identity",
      "GUEST1",
      "s",
      host,
    ]);
    assert.match(dry.stdout, /server key [0-9a-f]{8} for identity guest1 /);
    const acked = await runClient(SOURCE, [
      ...admin,
      "--json",
      "--identity",
      "guest1",
      "s",
      host,
    ]);
    assert.equal(json(acked.stdout)[0].identity, "guest1");
    const guest1 = setup.responders.get("guest1")!;
    // The address's probes (and the copy that listens for ICMP) failed
    // their MAC; guest1's two requests ran.
    const verdicts = requestsSeen(guest1).map((s) => s.verdict);
    assert.deepEqual(verdicts.slice(-2), [Verdict.ACCEPTED, Verdict.ACCEPTED]);
    assert.ok(verdicts.length > 2, "the address's probe arrived");
    assert.ok(verdicts.slice(0, -2).every((v) => v === Verdict.BAD_MAC));
    const seen = guest1.seen.length;

    // One identity is one host's; the password has none.
    for (
      const [args, why] of [
        [["--identity", "guest1", "s", host, "127.0.0.2"], /exactly one HOST/],
        [["--identity", "a b", "s", host], /--identity: .*white space/],
        [
          ["--identity", "guest1", "--key-mode", "password", "s", host],
          /uses the password/,
        ],
      ] as const
    ) {
      const bad = await runClient(SOURCE, [...admin, ...args], {
        env: { SYSRQ_PASSWORD: PASSWORD },
      });
      assert.equal(bad.code, 2, bad.stderr + bad.stdout);
      assert.match(bad.stderr, why);
    }
    assert.equal(guest1.seen.length, seen, "nothing more was sent");
  });
});

Deno.test("migration: one host stays on the password, the others use server keys", async () => {
  await withFleet(["web1", "web2"], async (setup) => {
    const port = (id: string) => setup.responders.get(id)!.port;
    const inv = `${setup.dir}/inv.yml`;
    await Deno.writeTextFile(
      inv,
      inventory({
        eu: {
          web1: { ansible_host: "127.0.0.1", netsysrq_port: port("web1") },
          web2: {
            ansible_host: "127.0.0.1",
            netsysrq_port: port("web2"),
            netsysrq_key_mode: "password",
          },
        },
      }),
    );
    const args = [
      "--json",
      "--admin-secret",
      setup.secretFile,
      "-i",
      inv,
      "s",
      "eu",
    ];
    const run = await runClient(SOURCE, args, {
      env: { SYSRQ_PASSWORD: PASSWORD },
    });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.deepEqual(
      json(run.stdout).map((r) => [r.host, r.outcome, r.keyId]),
      [
        ["web1", "acked", formatKeyId(setup.keyId)],
        ["web2", "acked", "password"],
      ],
    );
    // The password is read only when a host needs it.
    const serverOnly = await runClient(SOURCE, [
      "--admin-secret",
      setup.secretFile,
      "-i",
      inv,
      "s",
      "web1",
    ]);
    assert.equal(serverOnly.code, 0, serverOnly.stderr);
    // --key-mode overrides: web1 holds no password key, so it stays silent.
    const forced = await runClient(SOURCE, [
      ...args.slice(0, -1),
      "--key-mode",
      "password",
      "--timeout",
      "0.2",
      "--retries",
      "0",
      "web1",
    ], { env: { SYSRQ_PASSWORD: PASSWORD } });
    assert.equal(forced.code, 1, forced.stderr);
    assert.equal(json(forced.stdout)[0].keyId, "password");
  }, ["web2"]);
});

Deno.test("the default admin secret file and the config file's passphrase", async () => {
  await withFleet(["web1"], async (setup) => {
    const host = `127.0.0.1:${setup.responders.get("web1")!.port}`;
    // web1's identity is the host as given: give it by its name.
    const inv = `${setup.dir}/inv.yml`;
    await Deno.writeTextFile(
      inv,
      inventory({ eu: { web1: { ansible_host: "127.0.0.1" } } }),
    );
    const config = `${setup.dir}/netsysrq`;
    await Deno.mkdir(config);
    await Deno.copyFile(setup.secretFile, `${config}/admin_secret`);
    await Deno.chmod(`${config}/admin_secret`, 0o600);
    await Deno.writeTextFile(
      `${config}/config.toml`,
      `inventory = "${inv}"\nport = ${host.split(":")[1]}\n`,
    );
    const env = { XDG_CONFIG_HOME: setup.dir };
    const run = await runClient(SOURCE, ["--json", "s", "web1"], { env });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.equal(json(run.stdout)[0].keyId, formatKeyId(setup.keyId));
  });
});

Deno.test("--admin-passphrase: the admin secret from a passphrase (Argon2id)", async () => {
  const passphrase = testPassword();
  const { adminSecretFromPassword } = await import("../mod.ts");
  const secret = await adminSecretFromPassword(passphrase);
  const keys = new KeySet({
    serverKeys: [[await keyIdOf(secret), await serverKey(secret, "127.0.0.1")]],
  });
  const responder = await startResponder({ keys });
  try {
    const run = await runClient(
      SOURCE,
      ["--json", "--admin-passphrase", "s", `127.0.0.1:${responder.port}`],
      { env: { SYSRQ_ADMIN_PASSPHRASE: passphrase } },
    );
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.equal(json(run.stdout)[0].outcome, "acked");
    // The identity of an address given as such is the address.
    assert.equal(responder.runs(), 1);
  } finally {
    await responder.close();
  }
});

Deno.test("bad input: unknown name, inventory error, server key with no admin secret: exit 2, nothing sent", async () => {
  await withFleet(["web1"], async (setup) => {
    const web1 = setup.responders.get("web1")!;
    const inv = `${setup.dir}/inv.yml`;
    await Deno.writeTextFile(
      inv,
      inventory({
        eu: { web1: { ansible_host: "127.0.0.1", netsysrq_port: web1.port } },
      }),
    );
    const base = ["--admin-secret", setup.secretFile, "-i", inv];
    const cases: [string[], RegExp, string?][] = [
      [
        [...base, "s", "web1", "us"],
        /"us" is neither a host nor a group of inventory .*inv\.yml; nothing sent/,
      ],
      [[...base, "s", "web1", "wbe1"], /did you mean web1\?/],
      [
        [
          "--admin-secret",
          setup.secretFile,
          "-i",
          `${setup.dir}/bad.yml`,
          "s",
          "web1",
        ],
        /inventory .*bad\.yml line 3: group eu: unknown key "host"/,
        "eu:\n  hosts:\n  host:\n",
      ],
      [
        ["-i", inv, "--key-mode", "server", "s", "web1"],
        /web1 uses a server key \(--key-mode\) but no admin secret is configured/,
      ],
      [[...base, "eu", "web1"], /KEYS "eu" is a group of inventory/],
    ];
    for (const [args, message, badFile] of cases) {
      if (badFile) await Deno.writeTextFile(`${setup.dir}/bad.yml`, badFile);
      const run = await runClient(SOURCE, args, {
        env: { SYSRQ_PASSWORD: PASSWORD },
      });
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, "");
    }
    assert.equal(web1.seen.length, 0, "nothing was sent");
  });
});
