// The deployment kit's facts: the kernel.sysrq values README.md recommends
// are the sums of the enable bits the keys need (bits from the kernel's own
// header, each key's bit from kernel/nsr_sysrq.c, the module's mirror of
// drivers/tty/sysrq.c), and the example Ansible playbook parses (it is not
// run against a host here).

import assert from "node:assert";

const ROOT = new URL("../", import.meta.url).pathname;

async function kernelBits(): Promise<Record<string, number>> {
  for await (const entry of Deno.readDir("/usr/src")) {
    const header = `/usr/src/${entry.name}/include/linux/sysrq.h`;
    const text = await Deno.readTextFile(header).catch(() => "");
    const bits = Object.fromEntries(
      [...text.matchAll(/#define SYSRQ_ENABLE_(\w+)\s+0x([0-9a-f]+)/g)]
        .map(([, name, value]) => [name, parseInt(value, 16)]),
    );
    if (Object.keys(bits).length >= 8) return bits;
  }
  throw new Error("no kernel headers in /usr/src (linux-headers-amd64)");
}

/** Each key's SYSRQ_ENABLE_* name, from the case labels of nsr_sysrq.c. */
async function keyBits(): Promise<Record<string, string>> {
  const source = await Deno.readTextFile(`${ROOT}kernel/nsr_sysrq.c`);
  const map: Record<string, string> = {};
  let pending: string[] = [];
  for (const line of source.split("\n")) {
    const key = /case '(.)':/.exec(line);
    if (key) pending.push(key[1]);
    const bit = /SYSRQ_ENABLE_(\w+)/.exec(line);
    if (bit && /return/.test(line)) {
      for (const k of pending) map[k] = bit[1];
      pending = [];
    }
  }
  for (let d = 0; d <= 9; d++) map[String(d)] = "LOG";
  return map;
}

Deno.test("README's kernel.sysrq values are the keys' enable bits", async () => {
  const bits = await kernelBits();
  const keys = await keyBits();
  const mask = (chars: string) =>
    [...new Set([...chars].map((k) => keys[k]))]
      .reduce((sum, name) => sum + bits[name], 0);
  assert.equal(keys.c, "DUMP", "c (crash) needs the dump bit");
  assert.equal(keys.o, "BOOT", "o (power off) shares b's bit");
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  const rows: [string, number][] = [
    ["sub", 176],
    ["sub0123456789", 178],
    ["sub0twml", 186],
    ["sub0twmleifj", 250],
    // --safe-reboot runs n first (real-time tasks to normal priority).
    ["subn", 432],
    ["sub0twmln", 442],
    ["sub0twmleifjn", 506],
  ];
  for (const [chars, value] of rows) {
    assert.equal(mask(chars), value, chars);
    assert.match(
      readme,
      new RegExp(`\\|\\s+${value} \\|`),
      `${value} in README`,
    );
  }
  assert.equal(mask("s"), 16, "RHEL/Fedora's 16 allows sync only");
});

const ansible = await new Deno.Command("ansible-playbook", {
  args: ["--version"],
})
  .output().then((o) => o.success, () => false);

Deno.test({
  name: "docs/ansible/netsysrq.yml passes ansible-playbook --syntax-check",
  ignore: !ansible,
  async fn() {
    const out = await new Deno.Command("ansible-playbook", {
      args: [
        "-i",
        "localhost,",
        "--syntax-check",
        `${ROOT}docs/ansible/netsysrq.yml`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, text);
    assert.doesNotMatch(text, /WARNING/);
  },
});
