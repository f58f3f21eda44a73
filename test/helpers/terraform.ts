// Running the terraform CLI with the AWS provider against a test appliance, as a user would: the provider comes from
// the machine's filesystem mirror (there is no registry to download it from), the endpoints and CA from `hive env`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { HiveInstance } from "./hive.ts";

/** Where a provider mirror may hold hashicorp/aws (`<mirror>/registry.terraform.io/hashicorp/aws/<version>/...`). */
const MIRRORS = [process.env.HIVE_TF_MIRROR, "/opt/tf-plugins", "/usr/share/terraform/plugins"].filter((d): d is string => Boolean(d));

function providerMirror(): { dir: string; version: string } | undefined {
  for (const dir of MIRRORS) {
    const versions = path.join(dir, "registry.terraform.io", "hashicorp", "aws");
    if (!fs.existsSync(versions)) continue;
    const [version] = fs.readdirSync(versions).sort().reverse();
    if (version) return { dir, version };
  }
  return undefined;
}

const mirror = providerMirror();
const hasTerraform = spawnSync("sh", ["-c", "command -v terraform"]).status === 0;

/** Why the Terraform suite cannot run on this machine, or false when it can. */
export const terraformSkip: string | false = !hasTerraform
  ? "needs the terraform CLI"
  : !mirror
    ? `needs the hashicorp/aws provider in a filesystem mirror (${MIRRORS.join(", ")}; HIVE_TF_MIRROR names another)`
    : false;

export interface Terraform {
  dir: string;
  run(args: string[]): { status: number | null; output: string };
  /** Runs and asserts success. */
  ok(args: string[]): string;
}

/** A working directory with the provider block for this appliance (every service Hive serves at its endpoint). */
export function terraformDir(hive: HiveInstance, dir: string, main: string): Terraform {
  assert.ok(mirror, "terraformSkip should have been checked");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "cli.tfrc"),
    `provider_installation {\n  filesystem_mirror {\n    path    = "${mirror.dir}"\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
  );
  fs.writeFileSync(
    path.join(dir, "provider.tf"),
    `terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", version = "${mirror.version}" }\n  }\n}\n` +
      `provider "aws" {\n  region = "us-east-1"\n  skip_credentials_validation = true\n  skip_requesting_account_id = true\n` +
      `  skip_metadata_api_check = true\n  endpoints {\n` +
      ["ec2", "ssm", "sts", "iam"].map((s) => `    ${s} = "${hive.endpoint}"\n`).join("") +
      `  }\n}\n`,
  );
  fs.writeFileSync(path.join(dir, "main.tf"), main);
  const run = (args: string[]) => {
    const r = spawnSync("terraform", [...args, "-no-color"], {
      cwd: dir,
      encoding: "utf8",
      timeout: 300_000,
      env: {
        PATH: process.env.PATH,
        HOME: hive.home,
        TF_CLI_CONFIG_FILE: path.join(dir, "cli.tfrc"),
        TF_IN_AUTOMATION: "1",
        CHECKPOINT_DISABLE: "1",
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
        AWS_ACCESS_KEY_ID: hive.accessKeyId,
        AWS_SECRET_ACCESS_KEY: hive.secretAccessKey,
        AWS_CA_BUNDLE: hive.env.AWS_CA_BUNDLE!,
      },
    });
    return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
  };
  return {
    dir,
    run,
    ok(args) {
      const r = run(args);
      assert.equal(r.status, 0, `terraform ${args.join(" ")}:\n${r.output}`);
      return r.output;
    },
  };
}
