// Ansible inventories: YAML read with npm:yaml, INI through Ansible's own
// ansible-inventory, both giving the same hosts, groups and variables; bad
// input names the file, the line and the problem.

import assert from "node:assert";
import { UsageError } from "./args.ts";
import {
  buildInventory,
  hostSpec,
  type Inventory,
  readInventory,
  selectHosts,
} from "./inventory.ts";
import { NEEDS_ANSIBLE, parseYamlInventory } from "./inventory_yaml.ts";

const YAML = `# a fleet
all:
  vars:
    netsysrq_port: 9
  children:
    eu:
      vars:
        netsysrq_port: 9999
      hosts:
        web1:
          ansible_host: 192.0.2.7
        web2:
          netsysrq_identity: web2.example.com
          netsysrq_port: 7
      children:
        eu_db:
          hosts:
            db1:
              netsysrq_key_mode: password
    us:
      hosts:
        web3:
`;

/** The same fleet in Ansible's INI dialect. */
const INI = `web3
[all:vars]
netsysrq_port=9
[eu]
web1 ansible_host=192.0.2.7
web2 netsysrq_identity=web2.example.com netsysrq_port=7
[eu:vars]
netsysrq_port=9999
[eu_db]
db1 netsysrq_key_mode=password
[eu:children]
eu_db
[us]
web3
`;

function fromYaml(text: string, file = "inv.yml"): Inventory {
  const raw = parseYamlInventory(text, file);
  assert.ok(typeof raw !== "symbol");
  return buildInventory(file, raw);
}

const usage = (pattern: RegExp) => (error: unknown) =>
  error instanceof UsageError && pattern.test(error.message);

Deno.test("yaml: groups, children and variables merged as Ansible merges them", () => {
  const inventory = fromYaml(YAML);
  const names = (selected: { name: string }[]) => selected.map((h) => h.name);
  assert.deepEqual(names(selectHosts(inventory, ["eu"])), [
    "web1",
    "web2",
    "db1",
  ]);
  assert.deepEqual(names(selectHosts(inventory, ["web3", "eu_db"])), [
    "web3",
    "db1",
  ]);
  assert.deepEqual(names(selectHosts(inventory, ["all"])).length, 4);
  const spec = (name: string) =>
    hostSpec(inventory.file, inventory.hosts.get(name)!, 9);
  // Group var over all's; host var over the group's; defaults otherwise.
  assert.deepEqual(spec("web1"), {
    label: "web1",
    host: "192.0.2.7",
    port: 9999,
    identity: "web1",
  });
  assert.deepEqual(spec("web2"), {
    label: "web2",
    host: "web2",
    port: 7,
    identity: "web2.example.com",
  });
  assert.equal(spec("db1").keyMode, "password");
  assert.equal(spec("db1").port, 9999, "a child group inherits its parent's");
  assert.equal(spec("web3").port, 9);
});

Deno.test("yaml: a deeper group wins over its parent, ansible_group_priority over the name", () => {
  const inventory = fromYaml(`all:
  children:
    a:
      hosts: {h: }
      vars: {netsysrq_port: 1}
    b:
      hosts: {h: }
      vars: {netsysrq_port: 2}
    c:
      hosts: {g: }
      vars: {netsysrq_port: 3, ansible_group_priority: 10}
    d:
      hosts: {g: }
      vars: {netsysrq_port: 4}
`);
  const port = (name: string) =>
    hostSpec("f", inventory.hosts.get(name)!, 9).port;
  assert.equal(port("h"), 2, "same depth and priority: the later name");
  assert.equal(port("g"), 3, "the higher priority");
});

Deno.test("yaml: every error names the file, the line and the problem", async (t) => {
  const cases: [string, string, RegExp][] = [
    ["syntax", "eu:\n  hosts:\n    web1: [1\nus: 2\n", /inv\.yml line 4: /],
    [
      "duplicate key",
      "eu:\n  hosts:\n    web1:\n    web1:\n",
      /inv\.yml line 4: "web1" appears twice in one mapping/,
    ],
    [
      "unknown group key",
      "eu:\n  host:\n    web1:\n",
      /inv\.yml line 2: group eu: unknown key "host"/,
    ],
    [
      "hosts as a list",
      "eu:\n  hosts:\n    - web1\n",
      /inv\.yml line 3: the hosts of group eu must be a mapping/,
    ],
    [
      "top level",
      "- web1\n",
      /inv\.yml line 1: the top level must map group names/,
    ],
    [
      "a group its own child",
      "a:\n  children:\n    b:\n      children:\n        a:\n",
      /group a is its own child \(all > a > b > a\)/,
    ],
  ];
  for (const [name, text, pattern] of cases) {
    await t.step(name, () => {
      assert.throws(() => fromYaml(text), usage(pattern));
    });
  }
});

Deno.test("inventory variables: a bad value names its line", async (t) => {
  const cases: [string, string, RegExp][] = [
    [
      "port",
      "netsysrq_port: 70000",
      /line 4: host web1: netsysrq_port must be a UDP port/,
    ],
    ["port text", "netsysrq_port: nine", /line 4: .*not "nine"/],
    [
      "address",
      "ansible_host: 'web1:22'",
      /line 4: .*ansible_host "web1:22" is not a host name/,
    ],
    [
      "template",
      'ansible_host: \'{{ lookup("env", "X") }}\'',
      /line 4: .*Jinja2 template/,
    ],
    [
      "identity",
      "netsysrq_identity: 'web 1'",
      /line 4: host web1: its identity: .*white space/,
    ],
    [
      "key mode",
      "netsysrq_key_mode: pasword",
      /line 4: .*server or password, not "pasword"/,
    ],
    [
      "a list",
      "ansible_host: [a, b]",
      /line 4: .*must be a string, not a list/,
    ],
    [
      "vault",
      "ansible_host: !vault |\n        $ANSIBLE_VAULT;1.1;AES256",
      /line 4: .*encrypted \(!vault\)/,
    ],
  ];
  for (const [name, line, pattern] of cases) {
    await t.step(name, () => {
      const inventory = fromYaml(`eu:\n  hosts:\n    web1:\n      ${line}\n`);
      assert.throws(
        () => hostSpec("inv.yml", inventory.hosts.get("web1")!, 9),
        usage(new RegExp("inventory inv\\.yml " + pattern.source)),
      );
    });
  }
});

Deno.test("unknown host or group: an error naming it, with a near name", () => {
  const inventory = fromYaml(YAML);
  assert.throws(
    () => selectHosts(inventory, ["web1", "wbe1"]),
    usage(
      /"wbe1" is neither a host nor a group of inventory inv\.yml \(did you mean web1\?\); nothing sent/,
    ),
  );
  assert.throws(() => selectHosts(inventory, ["asia"]), usage(/"asia"/));
});

Deno.test("yaml: ranges, plugins and group_vars are left to Ansible", () => {
  assert.equal(
    parseYamlInventory("eu:\n  hosts:\n    web[01:03]:\n", "f.yml"),
    NEEDS_ANSIBLE,
  );
  assert.equal(
    parseYamlInventory("plugin: amazon.aws.aws_ec2\n", "f.yml"),
    NEEDS_ANSIBLE,
  );
});

/** Whether Ansible is here (tools/install-deps.sh installs it). */
async function haveAnsible(): Promise<boolean> {
  try {
    return (await new Deno.Command("ansible-inventory", { args: ["--version"] })
      .output()).success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "ini through ansible-inventory: the same hosts as the yaml",
  ignore: !await haveAnsible(),
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/inv.yml`, YAML);
      await Deno.writeTextFile(`${dir}/hosts.ini`, INI);
      const yaml = await readInventory(`${dir}/inv.yml`);
      const ini = await readInventory(`${dir}/hosts.ini`);
      const specs = (inventory: Inventory) =>
        selectHosts(inventory, ["all"])
          .map((h) => hostSpec(inventory.file, h, 9))
          .sort((a, b) => a.label.localeCompare(b.label));
      assert.deepEqual(specs(ini), specs(yaml));
      assert.deepEqual(
        selectHosts(ini, ["eu"]).map((h) => h.name).sort(),
        ["db1", "web1", "web2"],
      );
      // A range in YAML goes through Ansible too, and is expanded.
      await Deno.writeTextFile(
        `${dir}/range.yml`,
        "eu:\n  hosts:\n    web[1:3]:\n      netsysrq_port: 99\n",
      );
      const ranged = await readInventory(`${dir}/range.yml`);
      assert.deepEqual([...ranged.hosts.keys()], ["web1", "web2", "web3"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "ini errors: Ansible's file and line, and a missing file",
  ignore: !await haveAnsible(),
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/bad.ini`, "[eu]\nweb1 ansible_host\n");
      await assert.rejects(
        readInventory(`${dir}/bad.ini`),
        usage(
          /^inventory .*bad\.ini line 2: Expected key=value host variable assignment, got: ansible_host$/,
        ),
      );
      await assert.rejects(
        readInventory(`${dir}/none.ini`),
        usage(/none\.ini: no such file/),
      );
      await assert.rejects(
        readInventory(`${dir}/none.yml`),
        usage(/none\.yml: cannot read it: no such file/),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
