// The real client, spawned from source, against the loopback test responder:
// every outcome it reports, what it sends, and every bad input it refuses.

import assert from "node:assert";
import {
  deriveKey,
  type MacKey,
  Verdict,
  verifyLegacyRequest,
} from "../mod.ts";
import {
  FORGERIES,
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
/** Short waits keep silent-host tests fast. */
const FAST = ["--timeout", "0.2"];

/** A responder holding KEY (OTHER_KEY for forgeries), behaving as told. */
function withResponder(
  behaviour: Partial<ResponderOptions>,
  fn: (responder: Responder, host: string) => Promise<void>,
) {
  return usingResponder({ key: KEY, otherKey: OTHER_KEY, ...behaviour }, fn);
}

/** Run the client; --yes, as a script would: the guard has guard_test.ts. */
function send(
  args: string[],
  env: Record<string, string> = ENV,
  stdin?: string,
) {
  const yes = args[0] === "keygen" || args.length === 0 ? [] : ["--yes"];
  return runClient(SOURCE, [...yes, ...args], { env, stdin });
}

Deno.test("accepted: every key acked, exit 0, one summary line", async () => {
  await withResponder({}, async (responder, host) => {
    const run = await send(["sub", host]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(`^${host}: acked in .*, ran once: s, u, b\n`),
    );
    assert.doesNotMatch(run.stdout, /server's clock is/, "no offset to tell");
    assert.match(run.stdout, /\n1 host in .*: 1 acked\n$/);
    assert.deepEqual(responder.seen.map((s) => s.verdict), [
      Verdict.PROBE_ANSWERED,
      Verdict.ACCEPTED,
    ]);
    assert.equal(responder.seen[1].request?.keys, "sub");
  });
});

Deno.test("refused keys: the ack's reasons per key, exit 1", async () => {
  await withResponder(
    { refuseByRule: "u", refuseBySysctl: "b" },
    async (_, host) => {
      const run = await send(["sub", host]);
      assert.equal(run.code, 1);
      assert.match(run.stdout, /acked in .*, ran once: s\n/);
      assert.match(run.stdout, /refused u: not in the rule's key set/);
      assert.match(
        run.stdout,
        /refused b: masked by the server's kernel.sysrq/,
      );
      assert.match(run.stdout, /1 acked with keys refused/);
    },
  );
});

Deno.test("a server clock 10 min ahead or behind: the first command works and says so", async (t) => {
  for (
    const [name, offset, side] of [
      ["ahead", 600_000, "ahead of"],
      ["behind", -600_000, "behind"],
    ] as const
  ) {
    await t.step(name, async () => {
      await withResponder(
        { clockOffsetMs: offset },
        async (responder, host) => {
          const run = await send(["s", host]);
          assert.equal(run.code, 0, run.stdout);
          assert.match(run.stdout, /acked in .*, ran once: s\n/);
          assert.match(
            run.stdout,
            new RegExp(`the server's clock is 10 min ${side} this machine's`),
          );
          assert.deepEqual(
            responder.seen.map((s) => Verdict[s.verdict!]),
            ["PROBE_ANSWERED", "ACCEPTED"],
            "one probe, one request, accepted first time",
          );
        },
      );
    });
  }
  await t.step("--json has the offset", async () => {
    await withResponder({ clockOffsetMs: -600_000 }, async (_, host) => {
      const run = await send(["--json", "s", host]);
      const offset = JSON.parse(run.stdout).clockOffsetMs;
      assert.ok(Math.abs(offset - 600_000) < 5000, String(offset));
    });
  });
});

Deno.test("a BOOT refusal of the only copy: no new request (a copy made on the way may have run)", async () => {
  await withResponder({}, async (responder, host) => {
    // Reload between the probe and the request: the request's boot id is
    // old. The client cannot tell this from a copy of its request that
    // someone on the path held back past a reload after it ran
    // (duplicated_copy_test.ts): only a FUTURE refusal proves nothing ran.
    const judge = responder.seen.push.bind(responder.seen);
    responder.seen.push = (...items) => {
      if (items[0].verdict === Verdict.PROBE_ANSWERED) responder.reload();
      return judge(...items);
    };
    const run = await send(["s", host]);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stdout, /refused: made for an earlier boot/);
    assert.match(run.stdout, /may have run once/);
    assert.deepEqual(requestsSeen(responder).map((s) => Verdict[s.verdict!]), [
      "REFUSED_BOOT",
    ]);
    assert.equal(responder.runs(), 0);
  });
});

Deno.test("a refusal after a retry: no new request, the user is told it may have run", async () => {
  await withResponder({ dropReplies: 1 }, async (responder, host) => {
    // The ack of the first copy is lost; before the retry arrives, the
    // module is reloaded: the retry is refused (BOOT) though copy 1 ran.
    const judge = responder.seen.push.bind(responder.seen);
    responder.seen.push = (...items) => {
      const n = judge(...items);
      if (items[0].verdict === Verdict.ACCEPTED) responder.reload();
      return n;
    };
    const run = await send([...FAST, "s", host]);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stdout, /refused: made for an earlier boot/);
    assert.match(run.stdout, /may have run once/);
    assert.equal(responder.runs(), 1, "a new request would have run it again");
    assert.equal(requestsSeen(responder).length, 2);
  });
});

Deno.test("a FUTURE refusal after a resend proves nothing ran: one new request", async () => {
  // The responder reads its behaviour per packet: changed after the probe,
  // the server's clock falls 3 s behind and the request's first copy is
  // lost, so its resend is refused as FUTURE. The new request must wait
  // until the server's clock passes the refused one (the floor rose to it).
  const behaviour: ResponderOptions = { key: KEY };
  const responder = await startResponder(behaviour);
  const host = `${responder.address}:${responder.port}`;
  try {
    const judge = responder.seen.push.bind(responder.seen);
    responder.seen.push = (...items) => {
      if (items[0].verdict === Verdict.PROBE_ANSWERED) {
        behaviour.clockOffsetMs = -3_000;
        behaviour.dropFirst = 2;
      }
      return judge(...items);
    };
    const run = await send(["--timeout", "1", "s", host]);
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /the first request was refused \(it never ran\)/);
    assert.deepEqual(requestsSeen(responder).map((s) => s.verdict), [
      null,
      Verdict.REFUSED_FUTURE,
      Verdict.ACCEPTED,
    ]);
    assert.equal(responder.runs(), 1);
  } finally {
    await responder.close();
  }
});

Deno.test("no reply to the probe: nothing sent, and the likely causes", async () => {
  await withResponder({ silent: true }, async (responder, host) => {
    const run = await send([...FAST, "--retries", "2", "s", host]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /no reply \(3 probes, 600 ms\): no key was sent/);
    assert.match(
      run.stdout,
      /likely causes: wrong password;\swrong\s--server-address/,
    );
    assert.match(
      run.stdout,
      /firewall dropping UDP port \d+; the xt_SYSRQ module\snot\sloaded/,
    );
    // Said once, under the summary, not in the host's lines.
    assert.equal(run.stdout.match(/likely causes/g)?.length, 1);
    assert.match(
      run.stdout,
      /\n1 host in .*\n1 host did not answer the probe;/,
    );
    // The identical probe, three times (and under Deno one copy more, from
    // the socket that listens for ICMP: cli/closed_port.ts); no request.
    assert.ok(
      [3, 4].includes(responder.seen.length),
      `${responder.seen.length}`,
    );
    assert.ok(
      responder.seen.every((s) => s.verdict === Verdict.PROBE_ANSWERED),
    );
    const copies = new Set(responder.seen.map((s) => String(s.packet)));
    assert.equal(copies.size, 1, "a retry is the same bytes");
  });
});

Deno.test("no reply to the request: identical retries, run once, may not have arrived", async () => {
  await withResponder({ noAck: true }, async (responder, host) => {
    const run = await send([...FAST, "--retries", "2", "su", host]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /no reply \(3 attempts, 600 ms\): may not have/);
    assert.match(run.stdout, /ran once or not at all, never twice/);
    assert.doesNotMatch(run.stdout, /expected with/);
    const requests = requestsSeen(responder);
    assert.equal(requests.length, 3);
    const copies = new Set(requests.map((s) => String(s.packet)));
    assert.equal(copies.size, 1, "a retry is the same bytes");
    assert.deepEqual(requests.map((s) => Verdict[s.verdict!]), [
      "ACCEPTED",
      "REPEATED",
      "REPEATED",
    ]);
    assert.equal(responder.runs(), 1);
  });
});

Deno.test("no reply after b, o or c is expected, and said so", async () => {
  await withResponder({ noAck: true }, async (_, host) => {
    const run = await send([...FAST, "--retries", "0", "sb", host]);
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /expected with b \(reboot\): the server may go down/,
    );
  });
});

Deno.test("a lost ack: the retry is re-acked, the keys ran once", async () => {
  await withResponder({ dropReplies: 1 }, async (responder, host) => {
    const run = await send([...FAST, "--retries", "2", "sub", host]);
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /acked in .*, ran once; ack re-sent: s, u, b\n/);
    assert.deepEqual(requestsSeen(responder).map((s) => Verdict[s.verdict!]), [
      "ACCEPTED",
      "REPEATED",
    ]);
    assert.equal(responder.runs(), 1);
  });
});

Deno.test("lost packets: a retry gets through", async () => {
  // The probe and the request's first copy are lost on the way.
  await withResponder({ dropFirst: 2 }, async (responder, host) => {
    const run = await send([...FAST, "--retries", "2", "s", host]);
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /acked/);
    assert.deepEqual(responder.seen.map((s) => s.verdict), [
      null,
      null,
      Verdict.PROBE_ANSWERED,
      Verdict.ACCEPTED,
    ]);
  });
});

Deno.test("forged and mismatched replies are ignored", async (t) => {
  const forgeries = FORGERIES;
  await t.step("alone: no reply, and counted", async () => {
    await withResponder(
      { forgeries: [...forgeries], onlyForgeries: true },
      async (_, host) => {
        const run = await send([...FAST, "--retries", "0", "s", host]);
        assert.equal(run.code, 1, run.stdout);
        assert.match(run.stdout, /no reply/);
        assert.match(
          run.stdout,
          new RegExp(
            `ignored ${forgeries.length} replies that failed verification`,
          ),
        );
      },
    );
  });
  for (const forgery of forgeries) {
    await t.step(
      `${forgery} before the true ack: the true ack wins`,
      async () => {
        await withResponder(
          { forgeries: [forgery], refuseByRule: "s" },
          async (_, host) => {
            const run = await send(["--json", "s", host]);
            const result = JSON.parse(run.stdout);
            // A forged ack says "executed"; the true one says refused by rule.
            assert.deepEqual(result.statuses, [{
              key: "s",
              status: "refused-by-rule",
            }]);
          },
        );
      },
    );
  }
});

Deno.test("--json: one object per host, summary on stderr", async () => {
  await withResponder({}, async (_, host) => {
    const run = await send(["--json", "su", host, "nonexistent.invalid"]);
    assert.equal(run.code, 1);
    const lines = run.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.equal(lines[0].outcome, "acked");
    assert.equal(lines[0].ok, true);
    assert.deepEqual(
      lines[0].statuses.map((s: { status: string }) => s.status),
      [
        "executed",
        "executed",
      ],
    );
    assert.equal(lines[1].outcome, "error");
    assert.match(lines[1].error, /cannot resolve nonexistent.invalid/);
    assert.match(run.stderr, /2 hosts in .*: 1 acked, 1 failed/);
  });
});

Deno.test("--no-ack: probes, then sends once asking for no ack, exit 0", async () => {
  // A --sysrq-no-ack rule answers the probe and nothing else.
  await withResponder({ noAck: true }, async (responder, host) => {
    const run = await send(["--no-ack", "s", host]);
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /sent \(no ack asked for\)/);
    await new Promise((r) => setTimeout(r, 100));
    const requests = requestsSeen(responder);
    assert.equal(requests.length, 1);
    assert.equal(requests[0].request?.ackWanted, false);
    assert.equal(requests[0].verdict, Verdict.ACCEPTED);
  });
});

Deno.test("--legacy: the xtables-addons text the legacy verifier accepts", async (t) => {
  for (const hash of ["sha1", "sha256"] as const) {
    await t.step(hash, async () => {
      await withResponder({}, async (responder, host) => {
        const run = await send(["--legacy", hash, "su", host]);
        assert.equal(run.code, 0, run.stderr);
        await new Promise((r) => setTimeout(r, 100));
        const packet = responder.seen[0].packet;
        const text = new TextDecoder().decode(packet);
        assert.match(
          text,
          new RegExp(`^su,\\d+,[^,]+,[0-9a-f]{${hash === "sha1" ? 40 : 64}}$`),
        );
        const state = { lastSeqno: Math.floor(Date.now() / 1000) - 10 };
        const result = await verifyLegacyRequest(PASSWORD, packet, {
          serverAddress: "127.0.0.1",
          state,
        });
        assert.equal(result.verdict, Verdict.ACCEPTED);
        assert.equal(result.keys, "su");
      });
    });
  }
});

Deno.test("--server-address: the address a server behind NAT sees", async () => {
  await withResponder(
    { serverAddress: "198.51.100.7" },
    async (responder, host) => {
      const wrong = await send([...FAST, "--retries", "0", "s", host]);
      assert.equal(wrong.code, 1);
      assert.equal(responder.seen[0].verdict, Verdict.BAD_MAC);
      const right = await send(["--server-address", "198.51.100.7", "s", host]);
      assert.equal(right.code, 0, right.stdout);
    },
  );
});

Deno.test("password sources: file, stdin, environment; wrong password is silence", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await withResponder({}, async (responder, host) => {
      await t.step("file with a trailing newline", async () => {
        await Deno.writeTextFile(`${dir}/pw`, PASSWORD + "\n", { mode: 0o600 });
        const run = await send(["--password-file", `${dir}/pw`, "s", host], {});
        assert.equal(run.code, 0, run.stderr);
      });
      await t.step("stdin", async () => {
        const run = await send(
          ["--password-file", "-", "s", host],
          {},
          PASSWORD + "\r\n",
        );
        assert.equal(run.code, 0, run.stderr);
      });
      await t.step("the file wins over the environment", async () => {
        await Deno.writeTextFile(`${dir}/wrong`, testPassword(), {
          mode: 0o600,
        });
        const run = await send([
          ...FAST,
          "--retries",
          "0",
          "--password-file",
          `${dir}/wrong`,
          "s",
          host,
        ]);
        assert.equal(run.code, 1);
        assert.equal(responder.seen.at(-1)?.verdict, Verdict.BAD_MAC);
      });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unresolvable host fails alone; the others are sent", async () => {
  await withResponder({}, async (responder, host) => {
    const run = await send(["s", "nonexistent.invalid", host]);
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /^nonexistent.invalid: error: cannot resolve nonexistent.invalid/,
    );
    assert.match(run.stdout, /acked/);
    assert.equal(requestsSeen(responder).length, 1);
  });
});

Deno.test("hosts file and several hosts at once, IPv4 and IPv6", async () => {
  const v6 = await startResponder({ key: KEY, address: "::1" }).catch(() =>
    null
  );
  const dir = await Deno.makeTempDir();
  try {
    await withResponder({}, async (_, host) => {
      const lines = [
        "# fleet",
        host,
        "",
        v6 ? `[::1]:${v6.port}  # v6` : "# no IPv6 here",
      ];
      await Deno.writeTextFile(`${dir}/hosts`, lines.join("\n"));
      const run = await send(["--hosts-file", `${dir}/hosts`, "s"]);
      assert.equal(run.code, 0, run.stdout);
      assert.equal(run.stdout.match(/: acked in/g)?.length, v6 ? 2 : 1);
    });
  } finally {
    await v6?.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--help and --version", async () => {
  const help = await send(["--help"], {});
  assert.equal(help.code, 0);
  for (
    const option of [
      "--password-file",
      "--port",
      "--server-address",
      "--timeout",
      "--retries",
      "--no-ack",
      "--legacy",
      "--hosts-file",
      "--concurrency",
      "--json",
      "--dry-run",
    ]
  ) {
    assert.ok(help.stdout.includes(option), option);
  }
  const version = await send(["--version"], {});
  assert.match(version.stdout, /^send_sysrq \d+\.\d+\.\d+\n$/);
});

Deno.test("bad input: one line naming the problem, exit 2, nothing sent", async (t) => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/empty`, "\n", { mode: 0o600 });
  await Deno.writeTextFile(`${dir}/hosts`, "127.0.0.1\n# ok\nweb1 web2\n");
  await Deno.writeTextFile(`${dir}/badhosts`, "127.0.0.1\n\n127.0.0.1:99999\n");
  try {
    await withResponder({}, async (responder, host) => {
      const cases: [string, string[], RegExp, Record<string, string>?][] = [
        ["unknown key", ["sX", host], /unknown SysRq key "X"/],
        ["non-printable key", ["s\x07", host], /U\+0007 \(not printable\)/],
        ["no keys", [], /no keys given/],
        ["empty keys", ["", host], /no keys given/],
        [
          "17 keys",
          ["s".repeat(17), host],
          /too many keys: 17 given, at most 16/,
        ],
        ["no hosts", ["s"], /no hosts given/],
        ["malformed host", ["s", "bad host!"], /malformed host "bad host!"/],
        [
          "malformed IPv4",
          ["s", "192.0.2.300"],
          /malformed host "192.0.2.300"/,
        ],
        ["malformed IPv6", ["s", "[2001:db8::g]:9"], /not an IPv6 address/],
        [
          "bad port in host",
          ["s", "127.0.0.1:0"],
          /malformed port in "127.0.0.1:0"/,
        ],
        [
          "bad --port",
          ["-p", "70000", "s", host],
          /--port must be a whole number from 1 to 65535/,
        ],
        [
          "bad --timeout",
          ["--timeout", "soon", "s", host],
          /--timeout must be seconds/,
        ],
        [
          "bad --retries",
          ["--retries", "-1", "s", host],
          /--retries argument is ambiguous/,
        ],
        [
          "too many --retries",
          ["--retries", "99", "s", host],
          /--retries must be a whole number from 0 to 20/,
        ],
        [
          "bad --concurrency",
          ["--concurrency", "0", "s", host],
          /--concurrency must be/,
        ],
        [
          "bad --server-address",
          ["--server-address", "gateway", "s", host],
          /--server-address must be an IPv4 or IPv6 address/,
        ],
        ["unknown option", ["--bogus", "s", host], /Unknown option --bogus/],
        [
          "empty password file",
          ["--password-file", `${dir}/empty`, "s", host],
          /password file .*empty is empty/,
          {},
        ],
        [
          "unreadable password file",
          ["--password-file", `${dir}/nope`, "s", host],
          /cannot read password file .*nope: no such file/,
          {},
        ],
        [
          "password file is a directory",
          ["--password-file", dir, "s", host],
          /cannot read password file/,
          {},
        ],
        [
          "no password, no terminal",
          ["s", host],
          /no password: use --password-file FILE, set SYSRQ_PASSWORD/,
          {},
        ],
        ["password with a bad byte", ["s", host], /unusable password/, {
          SYSRQ_PASSWORD: "a\rb",
        }],
        [
          "--legacy with --timeout",
          ["--legacy", "--timeout", "3", "s", host],
          /--timeout conflicts with --legacy/,
        ],
        [
          "both from stdin",
          ["--password-file", "-", "--hosts-file", "-", "s"],
          /cannot both read stdin/,
        ],
        [
          "keygen with options",
          ["keygen", "--json"],
          /keygen takes no arguments/,
        ],
        [
          "hosts file bad line",
          ["--hosts-file", `${dir}/hosts`, "s"],
          /hosts file .*hosts line 3: one host per line/,
        ],
        [
          "hosts file bad port",
          ["--hosts-file", `${dir}/badhosts`, "s"],
          /hosts file .*badhosts line 3: malformed port/,
        ],
        [
          "missing hosts file",
          ["--hosts-file", `${dir}/none`, "s"],
          /cannot read hosts file .*none: no such file/,
        ],
      ];
      for (const [name, args, message, env] of cases) {
        await t.step(name, async () => {
          const run = await send(args, env ?? ENV);
          assert.equal(run.code, 2, `${name}: ${run.stdout}${run.stderr}`);
          assert.equal(run.stdout, "");
          assert.match(
            run.stderr,
            /^send_sysrq: [^\n]+\n$/,
            "exactly one line",
          );
          assert.match(run.stderr, message);
        });
      }
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(responder.seen.length, 0, "nothing was sent");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("local failure: no UDP socket is exit 3 with one line", async () => {
  // Without --allow-net, Deno refuses the socket: a fault of this machine's
  // setup, not of any host.
  const noNet = {
    ...SOURCE,
    args: SOURCE.args.filter((arg) => arg !== "--allow-net"),
  };
  const run = await runClient(noNet, ["s", "127.0.0.1:9"], { env: ENV });
  assert.equal(run.code, 3, run.stderr);
  assert.match(
    run.stderr,
    /^send_sysrq: local failure: no network permission[^\n]*\n$/,
  );
});
