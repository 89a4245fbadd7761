// What an administrator expects of the client, against the loopback test
// responder: keygen's output and file, the config and default password
// files, a private password file, the prompt on /dev/tty with stdin a pipe,
// Ctrl-C (at the prompt, mid-fleet), a closed stdout pipe, and --check.

import assert from "node:assert";
import { deriveKey, Verdict } from "../mod.ts";
import {
  requestsSeen,
  startFleet,
  startResponder,
  usingResponder,
} from "../tests/responder/responder.ts";
import { testPassword } from "../tests/_testing.ts";
import {
  bundledForms,
  runClient,
  runOnTerminal,
  SOURCE,
} from "./_run_client.ts";

const PASSWORD = testPassword();
const KEY = await deriveKey(PASSWORD);
const ENV = { SYSRQ_PASSWORD: PASSWORD };
const MAIN = new URL("./main.ts", import.meta.url).pathname;

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The client from source with every permission: Deno opens /dev/tty. */
const ALL = [Deno.execPath(), "run", "-A", "--cached-only", MAIN]
  .map(quote).join(" ");

Deno.test("keygen --password | cat: only the secret; -o: a 0600 file, never overwritten", async () => {
  const piped = await runClient(SOURCE, ["keygen", "--password"]);
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, /^[A-Za-z0-9_-]{43}\n$/);
  await deriveKey(piped.stdout.trim());

  const dir = await Deno.makeTempDir();
  try {
    // The directory is made too, private (~/.config/netsysrq on day one).
    const file = `${dir}/netsysrq/password`;
    const made = await runClient(SOURCE, ["keygen", "--password", "-o", file]);
    assert.equal(made.code, 0, made.stderr);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${dir}/netsysrq`)).mode! & 0o777, 0o700);
    const secret = (await Deno.readTextFile(file)).trim();
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    const lines = made.stdout + made.stderr;
    assert.ok(!lines.includes(secret), "the server lines hold the secret");
    assert.match(lines, /"\$\(cat \/root\/sysrq\.password\)"/);
    assert.match(lines, /cat \/root\/sysrq\.password > \/sys\/module\//);
    const again = await runClient(SOURCE, ["keygen", "--password", "-o", file]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists: keygen never overwrites/);
    assert.equal((await Deno.readTextFile(file)).trim(), secret);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("password file: refused when others may read it; the default file and the config file are read", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await usingResponder({ key: KEY }, async (responder, host) => {
      const open = `${dir}/open`;
      await Deno.writeTextFile(open, PASSWORD + "\n");
      await Deno.chmod(open, 0o644);
      const run = await runClient(SOURCE, ["--password-file", open, "s", host]);
      assert.equal(run.code, 2);
      assert.match(
        run.stderr,
        /readable by others \(mode 0644\): run chmod 600/,
      );
      assert.equal(responder.seen.length, 0);

      const config = `${dir}/netsysrq`;
      await Deno.mkdir(config);
      await Deno.writeTextFile(`${config}/password`, PASSWORD, { mode: 0o600 });
      await Deno.writeTextFile(
        `${config}/config.toml`,
        `port = ${responder.port}\ntimeout = 0.5\n`,
      );
      const env = { XDG_CONFIG_HOME: dir };
      const plain = await runClient(SOURCE, ["s", "127.0.0.1"], { env });
      assert.equal(plain.code, 0, plain.stderr + plain.stdout);
      assert.equal(requestsSeen(responder).at(-1)?.verdict, Verdict.ACCEPTED);

      await Deno.writeTextFile(`${config}/config.toml`, "prot = 9\n");
      const typo = await runClient(SOURCE, ["s", host], { env });
      assert.equal(typo.code, 2);
      assert.match(typo.stderr, /config file .*config\.toml: unknown key prot/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prompt on /dev/tty with stdin a pipe; Ctrl-C there exits 130", async () => {
  await usingResponder({ key: KEY }, async (responder, host) => {
    const line = `printf '%s\\n' ${quote(host)} | ${ALL} --hosts-file - s`;
    const run = await runOnTerminal(line, { NO_COLOR: "1" }, PASSWORD + "\r");
    assert.match(run.text, /Password: /);
    assert.ok(!run.text.includes(PASSWORD), "the password was echoed");
    assert.match(run.text, /: acked in/);
    assert.equal(run.code, 0, run.text);

    const before = responder.seen.length;
    const stopped = await runOnTerminal(`${ALL} s ${quote(host)}`, {}, "\x03");
    assert.equal(stopped.code, 130, stopped.text);
    assert.match(stopped.text, /interrupted at the prompt, nothing sent/);
    assert.equal(responder.seen.length, before);

    // The bundle under Node (as the standalone binary runs) reads /dev/tty
    // through node:tty: the prompt and the confirmation.
    const dir = await Deno.makeTempDir();
    try {
      const node = (await bundledForms(dir)).find((f) =>
        f.name === "bundle (node)"
      )!;
      const bundle = [node.command, ...node.args].map(quote).join(" ");
      const viaNode = await runOnTerminal(
        `printf '%s\\n' ${quote(host)} | ${bundle} --hosts-file - s`,
        { NO_COLOR: "1" },
        PASSWORD + "\r",
      );
      assert.match(viaNode.text, /Password: /);
      assert.ok(!viaNode.text.includes(PASSWORD), "the password was echoed");
      assert.match(viaNode.text, /: acked in/);
      assert.equal(viaNode.code, 0, viaNode.text);
      const declined = await runOnTerminal(
        `${bundle} su ${quote(host)}`,
        ENV,
        "n\r",
      );
      assert.match(declined.text, /Send them\? \[y\/N\] n?/);
      assert.match(declined.text, /not confirmed, nothing sent/);
      assert.equal(declined.code, 4, declined.text);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("confirmation on the terminal: names each key and host; 'n' sends nothing, exit 4", async () => {
  await usingResponder({ key: KEY }, async (responder, host) => {
    const no = await runOnTerminal(`${ALL} su ${quote(host)}`, ENV, "n\r");
    assert.match(no.text, /u {2}remount every filesystem read-only {2}\(!\)/);
    assert.match(
      no.text,
      new RegExp(`to 1 host: ${host}\\r?\\nSend them\\? \\[y/N\\]`),
    );
    assert.match(no.text, /not confirmed, nothing sent/);
    assert.equal(no.code, 4, "declined: its own status, not 1 (not acked)");
    assert.equal(responder.seen.length, 0);
    // A plain b points to the reboot that syncs first; --safe-reboot's
    // own b is named for what it does, not as a b without sync.
    const b = await runOnTerminal(`${ALL} sub ${quote(host)}`, ENV, "n\r");
    assert.match(b.text, /b {2}reboot at once.*\r?\n {5}\(--safe-reboot /);
    assert.equal(b.code, 4);
    const safe = await runOnTerminal(
      `${ALL} --safe-reboot ${quote(host)}`,
      ENV,
      "n\r",
    );
    assert.match(safe.text, /b {2}safe reboot: sync, freeze, then reboot/);
    assert.doesNotMatch(safe.text, /without syncing|--safe-reboot instead/);
    assert.equal(safe.code, 4);
    assert.equal(responder.seen.length, 0);
    const yes = await runOnTerminal(`${ALL} su ${quote(host)}`, ENV, "y\r");
    assert.equal(yes.code, 0, yes.text);
    assert.equal(requestsSeen(responder)[0]?.verdict, Verdict.ACCEPTED);
  });
});

/** The client from source with `args`, sent SIGINT after 2 s; its exit. */
async function interrupted(args: string[]) {
  const child = new Deno.Command(SOURCE.command, {
    args: [...SOURCE.args, ...args],
    env: { ...ENV, XDG_CONFIG_HOME: "/nonexistent/netsysrq-tests" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  await new Promise((r) => setTimeout(r, 2000));
  child.kill("SIGINT");
  const out = await child.output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("Ctrl-C mid-fleet: a summary of what was sent and what was not, exit 130", async () => {
  const fleet = await startFleet(6, { key: KEY, silent: true });
  try {
    const hosts = fleet.map((r) => `127.0.0.1:${r.port}`);
    const { code, stderr } = await interrupted([
      "--concurrency",
      "2",
      "--timeout",
      "5",
      "s",
      ...hosts,
    ]);
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted: no host done/);
    // Silent hosts never answered the probe: no key can have left for them.
    assert.match(stderr, /no key sent, the probe unanswered \(2\): /);
    assert.doesNotMatch(stderr, /keys may have been sent/);
    assert.match(
      stderr,
      new RegExp(`not sent \\(4\\): ${hosts.slice(2).join(" ")}`),
    );

    // A host done behind a silent one is printed, not lost.
    await usingResponder({ key: KEY }, async (_live, host) => {
      const order = [hosts[0], host];
      const done = await interrupted(["--timeout", "5", "s", ...order]);
      assert.equal(done.code, 130);
      assert.match(done.stdout, new RegExp(`^${order[1]}: acked in`, "m"));
      assert.match(done.stderr, /interrupted: 1 host: 1 acked\n/);
      assert.match(
        done.stderr,
        new RegExp(`the probe unanswered \\(1\\): ${order[0]}\n`),
      );
    });

    // A host that answered the probe has its request: its keys may have run.
    await usingResponder({ key: KEY, noAck: true }, async (_ackless, host) => {
      const done = await interrupted(["--timeout", "5", "s", host]);
      assert.equal(done.code, 130, done.stderr);
      assert.match(
        done.stderr,
        new RegExp(`in flight, keys may have been sent \\(1\\): ${host}\n`),
      );
    });
  } finally {
    await Promise.all(fleet.map((r) => r.close()));
  }
});

Deno.test("a closed stdout pipe (| head -1) never stops the sending, in every form", async (t) => {
  const fleet = await startFleet(12, { key: KEY });
  const dir = await Deno.makeTempDir();
  try {
    const hosts = fleet.map((r) => `127.0.0.1:${r.port}`);
    const forms = [SOURCE, ...await bundledForms(dir)];
    for (const form of forms) {
      await t.step(form.name, async () => {
        const command = [
          form.command,
          ...form.args,
          "--concurrency",
          "1",
          "s",
          ...hosts,
        ]
          .map(quote).join(" ");
        const out = await new Deno.Command("sh", {
          args: ["-c", `${command} | head -1`],
          env: { ...ENV, XDG_CONFIG_HOME: "/nonexistent/netsysrq-tests" },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const stderr = new TextDecoder().decode(out.stderr);
        assert.equal(
          new TextDecoder().decode(out.stdout).split("\n").length,
          2,
        );
        assert.doesNotMatch(stderr, /Broken pipe|EPIPE|at .*\.js:\d+/, stderr);
        for (const responder of fleet) {
          assert.equal(
            requestsSeen(responder).filter((s) =>
              s.verdict === Verdict.ACCEPTED
            ).length,
            1,
            `${responder.port} was not sent its keys: ${stderr}`,
          );
          responder.seen.length = 0;
        }
      });
    }
  } finally {
    await Promise.all(fleet.map((r) => r.close()));
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--check: one authenticated probe per host, nothing runs; JSON; exit status", async () => {
  await usingResponder({ key: KEY }, async (responder, host) => {
    const run = await runClient(SOURCE, ["--check", host], { env: ENV });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(
      run.stdout,
      /^127\.0\.0\.1:\d+: fine: key right, answered in .*, clocks agree within 1 s, boot id [0-9a-f]{16}\n/,
    );
    const json = await runClient(SOURCE, ["--check", "--json", host], {
      env: ENV,
    });
    assert.equal(json.code, 0);
    const result = JSON.parse(json.stdout);
    assert.equal(result.ok, true);
    assert.equal(typeof result.clockOffsetMs, "number");
    assert.equal(requestsSeen(responder).length, 0, "a request was sent");
    assert.ok(
      responder.seen.every((s) => s.verdict === Verdict.PROBE_ANSWERED),
    );

    const wrong = await runClient(
      SOURCE,
      [
        "--check",
        "--timeout",
        "0.2",
        "--retries",
        "0",
        host,
        host.replace(/:\d+$/, ":9"),
      ],
      { env: { SYSRQ_PASSWORD: testPassword() } },
    );
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stdout.match(/no answer \(1 probe\)/g)?.length, 2);
    assert.equal(wrong.stdout.match(/wrong password/g)?.length, 1);
  });
});

Deno.test("--check: the module's version, kernel.sysrq and the rule's keys, from an info probe", async () => {
  const info = {
    version: "1.2.3",
    sysrq: 16, // RHEL's default: sync only
    toleranceSeconds: 60,
    ruleKeys: "bsu",
    capabilities: {
      noAck: true,
      legacy: false,
      output: false,
      safeReboot: false,
    },
  };
  const responder = await startResponder({ key: KEY, info });
  try {
    const host = `127.0.0.1:${responder.port}`;
    const run = await runClient(SOURCE, ["--check", host], { env: ENV });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(
      run.stdout,
      /boot id [0-9a-f]{16}\n {2}module 1\.2\.3, kernel\.sysrq 16: runs s; refuses o c e f i t w m l \(not in the rule's --sysrq-keys\), u b \(kernel\.sysrq\); the rule has --sysrq-no-ack/,
    );
    const json = JSON.parse(
      (await runClient(SOURCE, ["--check", "--json", host], { env: ENV }))
        .stdout,
    );
    assert.equal(json.module, "1.2.3");
    assert.equal(json.sysrq, 16);
    assert.equal(json.runs, "s");
    assert.equal(json.capabilities.noAck, true);
    assert.ok(
      responder.seen.every((s) => s.verdict === Verdict.PROBE_ANSWERED),
      "only probes",
    );
    assert.ok(
      responder.seen.every((s) => s.packet.length === 80),
      "info probes",
    );
  } finally {
    await responder.close();
  }
});

Deno.test("ICMP port unreachable (Node forms): nothing listens there, said per host", async () => {
  // A port that was just free: nothing listens, the kernel answers ICMP.
  const { createSocket } = await import("node:dgram");
  const probe = createSocket("udp4");
  await new Promise((r) => probe.bind(0, "127.0.0.1", () => r(null)));
  const port = probe.address().port;
  await new Promise((r) => probe.close(() => r(null)));
  const dir = await Deno.makeTempDir();
  try {
    const node = (await bundledForms(dir)).find((f) =>
      f.name === "bundle (node)"
    )!;
    const run = await runClient(
      node,
      ["--timeout", "0.3", "--retries", "4", "s", `127.0.0.1:${port}`],
      { env: ENV },
    );
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(
        `nothing listens on UDP ${port} there: module or rule missing`,
      ),
    );
    assert.doesNotMatch(run.stdout, /likely causes/);
    // No resend once the port is known closed: well under 5 x 0.3 s.
    assert.ok(run.ms < 1500, `${run.ms} ms`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("-q, -v, -4, -6 and --source", async () => {
  await usingResponder({ key: KEY }, async (responder, host) => {
    const quiet = await runClient(SOURCE, ["-q", "s", host], { env: ENV });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.match(quiet.stdout, /^1 host in .*: 1 acked\n$/);

    const verbose = await runClient(SOURCE, ["-v", "s", host], { env: ENV });
    assert.match(
      verbose.stdout,
      new RegExp(
        `: acked in .*\\n {2}to 127\\.0\\.0\\.1 port ${responder.port}, 1 request, round trip .*, clock offset `,
      ),
    );

    const six = await runClient(SOURCE, ["-6", "s", host], { env: ENV });
    assert.equal(six.code, 1);
    assert.match(six.stdout, /127\.0\.0\.1 is not an IPv6 address \(-6\)/);
    const both = await runClient(SOURCE, ["-4", "-6", "s", host], { env: ENV });
    assert.equal(both.code, 2);

    const from = await runClient(SOURCE, ["--source", "127.0.0.1", "s", host], {
      env: ENV,
    });
    assert.equal(from.code, 0, from.stderr);
    assert.ok(responder.seen.every((s) => s.from.address === "127.0.0.1"));
    const v6 = await runClient(SOURCE, ["--source", "::1", "s", host], {
      env: ENV,
    });
    assert.equal(v6.code, 1);
    assert.match(v6.stdout, /--source ::1 cannot reach an IPv4 address/);
    const bad = await runClient(SOURCE, ["--source", "web1", "s", host], {
      env: ENV,
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--source must be an IPv4 or IPv6 address/);
  });
});
