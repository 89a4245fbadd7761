import assert from "node:assert";
import { parseOptions, UsageError } from "./args.ts";

Deno.test("parseOptions: what each option sets", async (t) => {
  const cases: [string, string[], Record<string, unknown>][] = [
    ["defaults", ["s", "h"], {
      keys: "s",
      hosts: ["h"],
      port: 9,
      timeoutMs: 1000,
      retries: 2,
      ack: true,
      concurrency: 128,
      json: false,
      dryRun: false,
    }],
    ["short port", ["-p", "999", "sub", "a", "b"], {
      port: 999,
      hosts: ["a", "b"],
    }],
    ["timeout in seconds", ["--timeout", "2.5", "s", "h"], { timeoutMs: 2500 }],
    ["no-ack", ["--no-ack", "s", "h"], { ack: false }],
    ["safe reboot: every positional a host, output wanted", [
      "--safe-reboot",
      "web1",
      "web2",
    ], {
      keys: "b",
      hosts: ["web1", "web2"],
      safeReboot: true,
      onlyIfSynced: false,
      wantOutput: true,
    }],
    ["safe reboot, only if synced", [
      "--safe-reboot",
      "--only-if-synced",
      "h",
    ], { keys: "b", onlyIfSynced: true }],
    ["legacy, default hash", ["--legacy", "s", "h"], {
      legacy: "sha1",
      ack: false,
      keys: "s",
    }],
    ["legacy sha256", ["--legacy", "sha256", "s", "h"], {
      legacy: "sha256",
      keys: "s",
      hosts: ["h"],
    }],
    ["keys named like a hash, away from --legacy", ["sha1", "h", "--legacy"], {
      legacy: "sha1",
      keys: "sha1",
    }],
    ["hosts file alone", ["--hosts-file", "f", "s"], {
      hostsFile: "f",
      hosts: [],
    }],
    ["json, dry run", ["--json", "--dry-run", "s", "h"], {
      json: true,
      dryRun: true,
    }],
    ["keygen", ["keygen"], { command: "keygen" }],
    ["help wins", ["--help", "s"], { command: "help" }],
    ["version", ["-V"], { command: "version" }],
  ];
  for (const [name, argv, expected] of cases) {
    await t.step(name, () => {
      const options = parseOptions(argv);
      for (const [field, value] of Object.entries(expected)) {
        assert.deepEqual(options[field as keyof typeof options], value, field);
      }
    });
  }
});

Deno.test("parseOptions: bad input is a UsageError naming it", async (t) => {
  const cases: [string[], RegExp][] = [
    [[], /no keys given/],
    [["s"], /no hosts given/],
    [["S", "h"], /unknown SysRq key "S"/],
    [["s\t", "h"], /U\+0009 \(not printable\)/],
    [["0123456789abcdefg", "h"], /too many keys: 17/],
    [
      ["-p", "0", "s", "h"],
      /--port must be a whole number from 1 to 65535, not "0"/,
    ],
    [["-p", "1e3", "s", "h"], /--port/],
    [["--timeout", "0", "s", "h"], /--timeout must be seconds/],
    [["--concurrency", "x", "s", "h"], /--concurrency/],
    [
      ["--legacy", "--timeout", "1", "s", "h"],
      /--timeout conflicts with --legacy/,
    ],
    [["--json=yes", "s", "h"], /--json does not take an argument/],
    [["keygen", "extra"], /keygen takes no arguments/],
    [["keygen", "-o", "f", "--json"], /keygen takes no arguments/],
    [["-o", "f", "--no-output", "s", "h"], /--output and --no-output conflict/],
    [
      ["--only-if-synced", "b", "h"],
      /--only-if-synced goes with --safe-reboot/,
    ],
    [["--safe-reboot", "--keys", "b", "h"], /give no --keys/],
    [["--safe-reboot", "--no-ack", "h"], /--safe-reboot conflicts with/],
    [["--safe-reboot", "--dry-run", "h"], /--safe-reboot conflicts with/],
    [["--safe-reboot"], /no hosts given/],
    [
      ["--output", "d", "--no-ack", "s", "h"],
      /--output conflicts with --no-ack/,
    ],
    [["--output", "d", "--check", "h"], /conflict with --check/],
    [["--server", "web1", "s", "h"], /--server is for keygen only/],
    [
      ["keygen", "--password", "--server", "w"],
      /--password and --server conflict/,
    ],
    [["keygen", "--admin-secret", "f"], /goes with --server NAME/],
    [["--key-mode", "pw", "s", "h"], /--key-mode must be server or password/],
    [
      ["--admin-secret", "f", "--admin-passphrase", "s", "h"],
      /--admin-secret and --admin-passphrase conflict/,
    ],
    [["--legacy", "--key-mode", "server", "s", "h"], /only the password/],
    [["-4", "-6", "s", "h"], /-4 and -6 conflict/],
    [["-q", "-v", "s", "h"], /-q and -v conflict/],
    [["--check", "--yes", "h"], /--yes conflicts with --check/],
    [["--check", "--keys", "s", "h"], /--keys conflicts with --check/],
    [["--check"], /no hosts given: .*-i INVENTORY.*hosts_file in the config/],
    [["--packet", "s", "h"], /--packet goes with --dry-run/],
    [["--dry-run", "--packet", "--legacy", "s", "h"], /not with --legacy/],
  ];
  for (const [argv, message] of cases) {
    await t.step(JSON.stringify(argv), () => {
      assert.throws(
        () => parseOptions(argv),
        (e: unknown) => e instanceof UsageError && message.test(e.message),
      );
    });
  }
});

Deno.test("keygen -o FILE in every spelling; the config file's defaults", () => {
  for (
    const argv of [["keygen", "-o", "f"], ["keygen", "-of"], [
      "keygen",
      "--output=f",
    ]]
  ) {
    assert.equal(parseOptions(argv).output, "f", argv.join(" "));
  }
  const config = { port: 9999, timeout: 0.5, hostsFile: "/fleet" };
  const sent = parseOptions(["s", "h"], config);
  assert.equal(sent.port, 9999);
  assert.equal(sent.timeoutMs, 500);
  assert.equal(parseOptions(["-p", "7", "s", "h"], config).port, 7);
  assert.equal(parseOptions(["--check"], config).hostsFile, "/fleet");
  // An inventory (config or -i) is the default for -i, and --check's fleet.
  const inventory = parseOptions(["--check"], {
    ...config,
    inventory: "i.yml",
  });
  assert.equal(inventory.inventory, "i.yml");
  assert.equal(inventory.hostsFile, undefined);
  assert.equal(parseOptions(["-i", "x.ini", "s", "eu"]).inventory, "x.ini");
  // The admin secret: the option, else the config's file or passphrase.
  assert.equal(
    parseOptions(["s", "h"], { adminSecretFile: "/m" }).adminSecretFile,
    "/m",
  );
  const phrase = parseOptions(["--admin-passphrase", "s", "h"], {
    adminSecretFile: "/m",
  });
  assert.equal(phrase.adminSecretFile, undefined);
  assert.equal(phrase.adminPassphrase, true);
  assert.equal(
    parseOptions(["s", "h"], { adminPassphrase: true }).adminPassphrase,
    true,
  );
  const keygen = parseOptions(["keygen", "--server", "web1", "-i", "inv.yml"]);
  assert.equal(keygen.server, "web1");
  assert.equal(keygen.inventory, "inv.yml");
  assert.throws(
    () => parseOptions(["s", "h"], { port: 0 }),
    /--port \(config file\) must be a whole number/,
  );
});

Deno.test("output is asked for with an ack, not with --no-output, --no-ack, or b, o, c", () => {
  const want = (argv: string[]) => parseOptions([...argv, "h"]).wantOutput;
  assert.equal(want(["w"]), true);
  assert.equal(want(["--no-output", "w"]), false);
  assert.equal(want(["--no-ack", "w"]), false);
  assert.equal(want(["--legacy", "w"]), false);
  for (const keys of ["sub", "o", "c", "wb"]) {
    assert.equal(want([keys]), false, keys);
  }
  assert.equal(parseOptions(["--output", "d", "w", "h"]).outputDir, "d");
});
