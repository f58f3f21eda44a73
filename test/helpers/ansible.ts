// Running Debian's ansible-playbook (with the amazon.aws collection) against a test appliance, as a user would.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import type { HiveInstance } from "./hive.ts";

const has = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const boto3 = spawnSync("/usr/bin/python3", ["-c", "import boto3"]).status === 0;

/** Why an Ansible suite cannot run on this machine, or false when it can. */
export const ansibleSkip: string | false = !has("ansible-playbook")
  ? "needs ansible-playbook (apt-get install ansible)"
  : !boto3
    ? "needs Debian's python3-boto3"
    : false;

/** The start of a playbook on localhost whose AWS modules reach the appliance of `hive env` (tasks follow). */
export const PLAY_HEADER = `
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: /usr/bin/python3
  module_defaults:
    group/aws:
      endpoint_url: "{{ lookup('env', 'AWS_ENDPOINT_URL') }}"
      aws_ca_bundle: "{{ lookup('env', 'AWS_CA_BUNDLE') }}"
      region: "{{ lookup('env', 'AWS_DEFAULT_REGION') }}"
  tasks:`;

export interface PlayRecap {
  ok: number;
  changed: number;
  failed: number;
  output: string;
}

/** Runs a playbook on localhost with only the appliance's credentials and endpoint; PLAY RECAP's counts for localhost. */
export function runPlaybook(hive: HiveInstance, file: string, cwd: string): PlayRecap {
  const r = spawnSync("ansible-playbook", ["-i", "localhost,", file], {
    cwd,
    encoding: "utf8",
    timeout: 300_000,
    env: {
      ...process.env,
      HOME: hive.home,
      ANSIBLE_NOCOLOR: "1",
      ANSIBLE_LOCALHOST_WARNING: "0",
      ANSIBLE_INVENTORY_UNPARSED_WARNING: "0",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      ...hive.env,
    },
  });
  const output = `${r.stdout}\n${r.stderr}`;
  const recap = /localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)/.exec(output);
  assert.ok(recap, `no PLAY RECAP:\n${output}`);
  return { ok: Number(recap[1]), changed: Number(recap[2]), failed: Number(recap[3]), output };
}
