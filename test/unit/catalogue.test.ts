// The action catalogue against the daemon's handlers and the services' models: every declared action has a handler,
// every handler is declared, and every declared action is one the AWS service model knows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { declaredActions, handlerProblems, type ServiceHandlers } from "../../src/actions/index.ts";
import { codecFor } from "../../src/api/codec/index.ts";
import { daemonHandlers as daemonTable, type HandlerDeps } from "../../src/daemon/index.ts";

/** The daemon's table, built the way src/daemon/node-daemon.ts builds it; building it calls none of its deps. */
const daemonHandlers = (): ServiceHandlers => daemonTable({ ctx: {}, store: {}, instances: {}, builds: {}, volumes: {} } as unknown as HandlerDeps);
const table = (h: ServiceHandlers) => h as unknown as Record<string, Record<string, unknown>>;

test("every declared action has a handler in the daemon's table and every handler is declared", () => {
  assert.deepEqual(handlerProblems(table(daemonHandlers())), []);
  const handled = Object.entries(daemonHandlers()).flatMap(([s, h]) => Object.keys(h).map((a) => `${s}.${a}`)).sort();
  assert.deepEqual(handled, declaredActions().map(([s, a]) => `${s}.${a}`).sort());
});

test("a handler table with a missing or an extra handler is reported, naming the action", () => {
  const handlers = table(daemonHandlers());
  const { DescribeRegions: _, ...withoutRegions } = handlers.ec2!;
  assert.deepEqual(handlerProblems({ ...handlers, ec2: withoutRegions }), ["ec2.DescribeRegions is declared but has no handler"]);

  const extra = { ...handlers, ec2: { ...handlers.ec2, DescribeWidgets: () => ({}) } };
  assert.deepEqual(handlerProblems(extra), ["ec2.DescribeWidgets has a handler but is not declared"]);

  const unknownService = { ...handlers, s3: { ListBuckets: () => ({}) } };
  assert.deepEqual(handlerProblems(unknownService), ["s3.ListBuckets has a handler but is not declared"]);

  const notAFunction = { ...handlers, sts: { GetCallerIdentity: "nope" } };
  assert.deepEqual(handlerProblems(notAFunction), ["sts.GetCallerIdentity is declared but has no handler"]);
});

test("every declared action exists in its service's model", () => {
  const unknown = declaredActions().filter(([service, action]) => !codecFor(service).hasAction(action));
  assert.deepEqual(unknown, []);
  assert.ok(declaredActions().length > 20, "the catalogue is not empty");
});
