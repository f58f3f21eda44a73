// The `hive` command line: up, init, env, status, image, ssh, cluster, service, bundle, install, version.
import { Command, Option } from "commander";
import { DataDirExists } from "../config/index.ts";
import { runUp, type UpFlags } from "./up.ts";
import { runInit, type InitFlags } from "./init.ts";
import { envOutput } from "./env.ts";
import { probeAwsCli } from "./aws-cli.ts";
import { fetchStatus, formatStatus } from "./status.ts";
import { runSsh } from "./ssh.ts";
import { importImageCli, publishImageCli, unpublishImageCli, type ImageImportFlags } from "./image.ts";
import { dataDirOf, parsePort, parsePublicCidr, parseRatio, type DataDirFlags } from "./options.ts";
import { versionLine } from "./version.ts";
import { installService, planInstall, uninstallService, unitText, type ServiceFlags } from "./service.ts";
import { bundleCli, installCli, type BundleFlags, type InstallFlags } from "./bundle.ts";
import { clusterStatus, formatCluster, inviteCli, leaveCli, removeCli } from "./cluster.ts";

const parseList = (v: string): string[] => v.split(",").map((s) => s.trim()).filter(Boolean);
/** A repeatable option's values, in order. */
const collect = (v: string, earlier: string[] = []): string[] => [...earlier, v];

const say = (line: string): void => void process.stderr.write(line + "\n");

function withDataDir(cmd: Command): Command {
  return cmd
    .option("--data-dir <dir>", "data directory (default: $HIVE_DATA_DIR, /var/lib/hive for root, ~/.local/share/hive otherwise)")
    .option("--portable", "keep the data directory beside the binary (hive-data/), e.g. on a USB stick");
}

function withIdentity(cmd: Command): Command {
  return cmd
    .option("--region <name>", "region this appliance answers for", "us-east-1")
    .option("--az <name>", "availability zone of this node (default: <region>a)")
    .option("--node-name <name>", "node name (default: the host name)")
    .option("--no-aws-profile", "do not write a 'hive' profile into ~/.aws");
}

export function buildProgram(): Command {
  const program = new Command("hive")
    .description("Hive: an AWS-compatible cloud (EC2 over SigV4, NATS inside, QEMU/KVM VMs) on one edge box")
    .showHelpAfterError()
    .version(versionLine(), "-V, --version");

  withIdentity(withDataDir(program.command("up")))
    .description("start the appliance in the foreground: nats-server, the daemon and the HTTPS gateway")
    .option("--gateway-host <addr>", "gateway bind address", "127.0.0.1")
    .option("--gateway-port <port>", "gateway HTTPS port", parsePort, 9999)
    .option("--nats-host <addr>", "NATS client bind address", "127.0.0.1")
    .option("--nats-port <port>", "NATS client port", parsePort, 4222)
    .option("--leaf-host <addr>", "NATS leaf-node bind address", "127.0.0.1")
    .option("--leaf-port <port>", "NATS leaf-node port", parsePort, 7422)
    .option("--monitor-port <port>", "NATS monitoring port (loopback)", parsePort, 8222)
    .addOption(new Option("--cpu-overcommit <ratio>", "vCPUs offered per host CPU").argParser(parseRatio).default(1))
    .addOption(new Option("--mem-overcommit <ratio>", "memory offered per byte of host memory").argParser(parseRatio).default(1))
    .addOption(
      new Option(
        "--network <mode>",
        "guest networking: vpc (VPCs and security groups enforced on the host; needs root; default as root; 'bridge' is its old name) or user (QEMU user mode, rootless, nothing enforced)",
      ).choices(["vpc", "bridge", "user"]),
    )
    .option("--public-cidr <cidr>", "addresses of the host's network Hive may hand out as Elastic IPs, e.g. 192.0.2.16/28", parsePublicCidr)
    .option("--leaf-advertise <addrs>", "on a hub: the host[:port] addresses members reach its leaf listener at (comma-separated); default: what --leaf-host binds", parseList)
    .option("--join <token>", "join the region of this token (made by `hive cluster invite` on its hub) before starting")
    .option("--hub <addrs>", "with --join: reach the hub at these host:port addresses instead of the token's (comma-separated)", parseList)
    .option("--force", "with --join: join although this box has instances of its own")
    .option("--log-requests", "log one line per AWS API request: id, service.action, HTTP status, error code, milliseconds")
    .option("--no-restart-instances", "after a host failure (power cut), leave the instances it took down stopped instead of starting them again")
    .action(async (flags: UpFlags & DataDirFlags) => {
      await runUp(dataDirOf(flags), flags, say);
    });

  withIdentity(withDataDir(program.command("init")))
    .description("create a data directory: identity, CA and server certificate, admin and NATS credentials")
    .option("--force", "replace an existing data directory's identity, credentials and certificates")
    .option("--gateway-port <port>", "gateway port written into the AWS profile", parsePort, 9999)
    .action(async (flags: InitFlags & DataDirFlags & { nodeName?: string }) => {
      await runInit(dataDirOf(flags), { ...flags, node: flags.nodeName }, say);
    });

  withDataDir(program.command("env"))
    .description(
      "print shell export lines for the AWS CLI and SDKs (eval \"$(hive env)\"); for an aws CLI older than 2.13 (1.29 for v1), which ignores AWS_ENDPOINT_URL, also a shell function aws that passes --endpoint-url",
    )
    .action((flags: DataDirFlags) => {
      const out = envOutput(dataDirOf(flags), probeAwsCli());
      for (const note of out.notes) say(note);
      process.stdout.write(out.lines.join("\n") + "\n");
    });

  const image = program.command("image").description("manage disk images (AMIs)");
  withDataDir(image.command("import"))
    .description("import a qcow2/raw/vmdk/vhdx file or URL, or a Debian cloud .tar.xz, as an AMI; prints its id")
    .argument("<source>", "a local file or an http(s) URL")
    .requiredOption("--name <name>", "the AMI name (unique, 3-128 characters)")
    .option("--description <text>", "the AMI description")
    .option("--alias <name>", "publish the SSM public parameter /aws/service/hive/<name>/latest for it (repeatable)", collect)
    .option("--publish <parameter>", "publish it under an SSM public parameter name, e.g. /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64 (repeatable)", collect)
    .action(async (source: string, flags: ImageImportFlags & DataDirFlags) => {
      process.stdout.write((await importImageCli(dataDirOf(flags), source, flags)) + "\n");
    });

  withDataDir(image.command("publish"))
    .description("point an SSM public parameter (/aws/service/...) at an AMI, so GetParameter and resolve:ssm: find it")
    .argument("<image-id>", "the AMI, ami-…")
    .argument("<name>", "the public parameter, e.g. /aws/service/hive/debian-12/latest")
    .action(async (imageId: string, name: string, flags: DataDirFlags) => {
      const p = await publishImageCli(dataDirOf(flags), imageId, name);
      process.stdout.write(`${p.name} -> ${p.imageId} (version ${p.version})\n`);
    });

  withDataDir(image.command("unpublish"))
    .description("take an SSM public parameter (/aws/service/...) away")
    .argument("<name>", "the public parameter")
    .action(async (name: string, flags: DataDirFlags) => {
      const p = await unpublishImageCli(dataDirOf(flags), name);
      process.stdout.write(`${p.name} (was ${p.imageId}) removed\n`);
    });

  withDataDir(program.command("status"))
    .description("ask the running appliance for its node, uptime and NATS state")
    .option("--json", "print the raw JSON")
    .action(async (flags: DataDirFlags & { json?: boolean }) => {
      const status = await fetchStatus(dataDirOf(flags));
      process.stdout.write((flags.json ? JSON.stringify(status, null, 2) : formatStatus(status)) + "\n");
    });

  const cluster = program.command("cluster").description("a region of several boxes joined through NATS leaf nodes");
  withDataDir(cluster.command("invite"))
    .description("on the hub: print a single-use join token for a new box (hive up --join <token>)")
    .option("--ttl <seconds>", "how long the token is good for (default 3600)", (v) => Number(v))
    .action(async (flags: DataDirFlags & { ttl?: number }) => {
      process.stdout.write((await inviteCli(dataDirOf(flags), flags)) + "\n");
    });
  withDataDir(cluster.command("status"))
    .description("the region's members as this box sees them: zone, link and round trip, room, last heartbeat")
    .option("--json", "print the raw JSON")
    .action(async (flags: DataDirFlags & { json?: boolean }) => {
      const c = await clusterStatus(dataDirOf(flags));
      process.stdout.write((flags.json ? JSON.stringify(c, null, 2) : formatCluster(c)) + "\n");
    });
  withDataDir(cluster.command("remove"))
    .description("on the hub: take a member (a dead one, or one that left) out of the region's listings")
    .argument("<node>", "the member's node name")
    .action(async (node: string, flags: DataDirFlags) => {
      process.stdout.write((await removeCli(dataDirOf(flags), node)) + "\n");
    });

  withDataDir(cluster.command("leave"))
    .description("on a member: leave the region (the hub takes this box and its zone out of the listings)")
    .action(async (flags: DataDirFlags) => {
      process.stdout.write((await leaveCli(dataDirOf(flags))) + "\n");
    });

  withDataDir(program.command("ssh"))
    .description("log in to a running instance over SSH, with the real ssh client, the way its network mode reaches it")
    .addHelpText(
      "after",
      [
        "",
        "Network modes (hive up --network):",
        "  user  QEMU user mode: each guest's port 22 is forwarded from a port on the host's loopback, so this runs",
        "        ssh -p <port> <user>@127.0.0.1 (--print shows the port); only this host can reach it.",
        "  vpc   (root) the host routes to the VPCs' subnets: this runs ssh <user>@<private IP> on port 22,",
        "        which the instance's security groups must allow from the host.",
        "The login name is the image's (debian, ubuntu, ec2-user, ...): give it with -l.",
      ].join("\n"),
    )
    .argument("<instance-id>", "the instance, i-…")
    .argument("[command...]", "a command to run instead of a shell")
    .option("-i, --identity <file>", "private key file (e.g. the KeyMaterial CreateKeyPair returned)")
    .option("-l, --user <name>", "login name (default: ec2-user)")
    .option("--print", "print the ssh command line instead of running it")
    .action(async (instanceId: string, command: string[], flags: DataDirFlags & { identity?: string; user?: string; print?: boolean }) => {
      process.exitCode = await runSsh(dataDirOf(flags), instanceId, flags, command);
    });

  const service = program.command("service").description("start hive at boot: a systemd unit running hive up");
  withDataDir(service.command("install"))
    .description("write and enable a systemd unit that runs hive up at boot and restarts it on failure; hive up's flags go after --")
    .argument("[up-flags...]", "flags for hive up, after --, e.g. -- --gateway-host 0.0.0.0 --network user")
    .option("--user <name>", "the account hive runs as (default: the one running this command); not root means user-mode networking")
    .option("--name <name>", "the unit's name", "hive")
    .option("--binary <path>", "the hive binary the unit starts (default: this one)")
    .option("--no-enable", "write the unit but neither enable nor start it")
    .option("--dry-run", "print the unit on stdout and touch nothing")
    .option("--root <dir>", "write into this directory tree instead of / (enables there, starts nothing)")
    .action((upArgs: string[], flags: ServiceFlags & DataDirFlags) => {
      checkUpFlags(upArgs);
      const plan = planInstall(flags, upArgs);
      for (const note of plan.notes) say(note);
      if (flags.dryRun) return void process.stdout.write(unitText(plan.spec));
      installService(plan, flags, say);
    });
  service
    .command("uninstall")
    .description("stop and disable the unit and remove its file (the data directory stays)")
    .option("--name <name>", "the unit's name", "hive")
    .option("--root <dir>", "remove it from this directory tree instead of /")
    .action((flags: Pick<ServiceFlags, "name" | "root">) => uninstallService(flags, say));

  program
    .command("bundle")
    .description("write an offline bundle: this hive binary and the Debian packages a bare box of this release needs (with their dependencies), a manifest and checksums")
    .argument("<dir>", "a new or empty directory, or an earlier bundle to refresh")
    .option("--binary <path>", "the hive binary to bundle (default: this one)")
    .action((dir: string, flags: BundleFlags) => bundleCli(dir, flags, say));

  program
    .command("install")
    .description("on a box without network: check an offline bundle against its manifest, install its packages with apt from the bundle alone, and copy hive into place")
    .requiredOption("--from <dir>", "the bundle (made by hive bundle)")
    .option("--bin-dir <dir>", "where the hive binary goes", "/usr/local/bin")
    .option("--check", "only check the bundle (no root needed); install nothing")
    .action((flags: InstallFlags) => installCli(flags, say));

  program
    .command("version")
    .description("print the version")
    .action(() => {
      process.stdout.write(versionLine() + "\n");
    });

  return program;
}

/** Refuses, before a unit is written, flags that `hive up` would refuse or that do not belong in a boot-time unit. */
function checkUpFlags(args: string[]): void {
  const up = buildProgram().commands.find((c) => c.name() === "up")!;
  let parsed: Record<string, unknown> = {};
  up.exitOverride().showHelpAfterError(false).action((flags: Record<string, unknown>) => void (parsed = flags));
  try {
    up.parse(args, { from: "user" });
  } catch {
    // commander has printed what is wrong.
    throw new Error(`the flags after -- are not hive up's: ${args.join(" ")}`);
  }
  if (parsed.dataDir !== undefined || parsed.portable) throw new Error("give --data-dir or --portable to hive service install itself, before --");
  if (parsed.join !== undefined) throw new Error("--join takes a single-use token: join once with hive up --join, then install the service without it");
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    say(`hive: ${err instanceof DataDirExists || err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
