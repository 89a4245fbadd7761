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
    [["keygen", "extra"], /keygen takes no other arguments/],
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
