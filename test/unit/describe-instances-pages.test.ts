// DescribeInstances with MaxResults: each node reads one page of reservations from its store, and the gateway's merge of
// those pages lists exactly what the unpaged answer lists, in the same order, whatever the filters and the node count.
import assert from "node:assert/strict";
import { test } from "node:test";
import { mergeReplies } from "../../src/api/fanout-merge.ts";
import { catalogue } from "../../src/actions/index.ts";
import type { ActionRequest } from "../../src/bus/index.ts";
import type { DaemonContext } from "../../src/daemon/shared/context.ts";
import { instanceDeps, type InstanceDeps } from "../../src/daemon/instances/instance-deps.ts";
import type { InstanceManager } from "../../src/daemon/instances/instance-manager.ts";
import { describeInstances } from "../../src/daemon/instances/instances.ts";
import { listingPage } from "../../src/daemon/shared/listing-page.ts";
import { openStore, type InstanceRecord, type Store, type TagRecord } from "../../src/store/index.ts";

const travel = catalogue.ec2.DescribeInstances.travel;
const hex17 = (n: number) => n.toString(16).padStart(17, "0");
const STATES = ["running", "stopped", "pending", "terminated"] as const;

/** Instances 0..n-1 in reservations of one to three (reservation ids sort differently from instance ids), every other one on `node`. */
async function node(n: number, which: (i: number) => boolean): Promise<{ store: Store; deps: InstanceDeps }> {
  const store = await openStore(":memory:");
  const instances: InstanceRecord[] = [];
  const tags: TagRecord[] = [];
  for (let i = 0; i < n; i++) {
    if (!which(i)) continue;
    const id = `i-${hex17(i)}`;
    instances.push({
      id, reservationId: `r-${hex17((n - i) - ((n - i) % 3))}`, ownerId: "123456789012", imageId: `ami-${hex17(1)}`, instanceType: "t3.micro",
      state: STATES[i % STATES.length]!, launchTime: "2026-01-01T00:00:00.000Z", az: "us-east-1a", node: "n", vcpus: 2, memoryMiB: 1024,
      shutdownBehavior: "stop", disableApiTermination: false, rootDeviceName: "/dev/xvda", amiLaunchIndex: 0, updatedAt: "2026-01-01T00:00:00.000Z",
    });
    tags.push({ resourceId: id, resourceType: "instance", key: "env", value: i % 5 === 0 ? "prod" : "dev" });
  }
  store.instances.insertLaunch({ instances, volumes: [], tags });
  return { store, deps: instanceDeps({} as DaemonContext, store, {} as InstanceManager) };
}

const ask = (deps: InstanceDeps, input: Record<string, unknown>, nodes: number) =>
  describeInstances({ requestId: "t", caller: {} as ActionRequest["caller"], region: "us-east-1", input, nodes } as ActionRequest<never>, deps) as unknown as Record<string, unknown>;

const listed = (out: Record<string, unknown>) => (out.Reservations as Array<{ ReservationId: string; Instances: Array<{ InstanceId: string }> }>).map((r) => `${r.ReservationId}:${r.Instances.map((i) => i.InstanceId).join(",")}`);

for (const nodes of [1, 2]) {
  test(`pages of every size list what one unpaged answer lists, with filters, over ${nodes} node(s)`, async () => {
    const all = await Promise.all(Array.from({ length: nodes }, (_, k) => node(47, (i) => i % nodes === k)));
    try {
      for (const Filters of [undefined, [{ Name: "instance-state-name", Values: ["running"] }], [{ Name: "tag:env", Values: ["prod"] }], [{ Name: "tag:env", Values: ["none"] }]]) {
        const whole = mergeReplies(travel, all.map((n) => ask(n.deps, { Filters }, nodes)), { Filters });
        for (const MaxResults of [1, 5, 7, 16, 1000]) {
          const seen: string[] = [];
          let NextToken: string | undefined;
          let pages = 0;
          do {
            const input = { Filters, MaxResults, ...(NextToken ? { NextToken } : {}) };
            const replies = all.map((n) => ask(n.deps, input, nodes));
            for (const r of replies) assert.ok((r.Reservations as unknown[]).length <= MaxResults + 1, "a node never sends more than a page and one");
            const page = mergeReplies(travel, replies, input);
            seen.push(...listed(page));
            NextToken = page.NextToken as string | undefined;
            assert.ok(++pages < 100);
          } while (NextToken);
          assert.deepEqual(seen, listed(whole), `MaxResults ${MaxResults}, filters ${JSON.stringify(Filters)}`);
        }
      }
    } finally {
      for (const n of all) n.store.close();
    }
  });
}

test("a page's NextToken the node cannot read answers everything, for the gateway to reject", () => {
  assert.equal(listingPage({ MaxResults: 5, NextToken: "not-a-token" }), undefined);
  assert.equal(listingPage({ NextToken: Buffer.from(JSON.stringify({ after: "r-1" })).toString("base64url") }), undefined);
  assert.deepEqual(listingPage({ MaxResults: 5, NextToken: Buffer.from(JSON.stringify({ after: "r-1" })).toString("base64url") }), { after: "r-1", limit: 5 });
  assert.deepEqual(listingPage({ MaxResults: 5 }), { after: "", limit: 5 });
});
