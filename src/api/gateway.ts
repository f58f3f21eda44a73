// The AWS gateway as a Hono app: authenticate, decode with the service model, forward over NATS, encode the answer.
import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { actionSpec } from "../actions/index.ts";
import type { Bus } from "../bus/index.ts";
import { HiveError } from "../errors/index.ts";
import { AwsError, awsAuthError, awsErrorFromDomain } from "./aws-error.ts";
import { CodecError, codecFor, type ServiceCodec, type ServiceName } from "./codec/index.ts";
import { dispatcher, type Dispatch, type NodeSource } from "./dispatch.ts";
import type { Principals } from "./identity.ts";
import { readQueryRequest } from "./query-request.ts";
import { scopeService, verifySigV4 } from "./sigv4.ts";
import { adminRoutes, type StatusProvider } from "./admin.ts";

export interface GatewayDeps {
  bus: Bus;
  principals: Principals;
  /** The nodes currently announcing themselves, and how long a fan-out waits for them. */
  nodes: NodeSource;
  status: StatusProvider;
  /** This gateway's own node: the admin API's image imports run there. */
  node?: string;
  log: (line: string) => void;
  /** How long a single-node request waits for its daemon. */
  requestTimeoutMs?: number;
}

const SERVICES = new Set<ServiceName>(["ec2", "sts", "iam"]);

export function createGateway(deps: GatewayDeps): Hono {
  const app = new Hono();
  const dispatch = dispatcher({ bus: deps.bus, nodes: deps.nodes, log: deps.log, requestTimeoutMs: deps.requestTimeoutMs, self: deps.node });
  app.route("/hive/v1", adminRoutes({ principals: deps.principals, status: deps.status, bus: deps.bus, node: deps.node, dispatch }));
  app.all("/", (c) => handleQuery(c.req.raw, deps, dispatch));
  app.notFound((c) => {
    const requestId = randomUUID();
    return xmlResponse(codecFor("ec2").serializeError("InvalidAction", `No such resource: ${c.req.path}`, requestId), 404, requestId);
  });
  return app;
}

async function handleQuery(raw: Request, deps: GatewayDeps, dispatch: Dispatch): Promise<Response> {
  const requestId = randomUUID();
  let service: ServiceName = "ec2";
  let action = "";
  try {
    const { signable, params } = await readQueryRequest(raw);
    const scoped = scopeService(signable);
    if (scoped && SERVICES.has(scoped as ServiceName)) service = scoped as ServiceName;

    const auth = verifySigV4(signable, (id) => deps.principals.lookup(id)?.secretAccessKey);
    if (!auth.ok) throw awsAuthError(auth.reason, service, auth.message);
    if (!SERVICES.has(auth.service as ServiceName)) {
      throw new AwsError("InvalidAction", `The service '${auth.service}' is not offered by this endpoint`);
    }
    const principal = deps.principals.lookup(auth.accessKeyId)!;
    const codec = codecFor(service);

    action = params.find(([k]) => k === "Action")?.[1] ?? "";
    if (!action) throw new AwsError("MissingParameter", "The request must contain the parameter Action");
    if (!codec.hasAction(action)) {
      throw new AwsError("InvalidAction", `The action ${action.slice(0, 128)} is not valid for this web service.`);
    }
    const input = codec.parseInput(action, params);
    if (!actionSpec(service, action)) {
      throw new AwsError("UnsupportedOperation", `The action ${action} is not supported by Hive yet.`);
    }
    if (input.DryRun === true) {
      throw new AwsError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412);
    }
    const output = await dispatch({ service, action, input, caller: principal.caller, region: auth.region, requestId });
    return xmlResponse(codec.serializeOutput(action, output, requestId), 200, requestId);
  } catch (err) {
    return errorResponse(err, codecFor(service), requestId, action, deps.log);
  }
}

function errorResponse(err: unknown, codec: ServiceCodec, requestId: string, action: string, log: (l: string) => void): Response {
  let aws: AwsError;
  if (err instanceof AwsError) aws = err;
  else if (err instanceof CodecError) aws = new AwsError(err.code, err.message);
  else if (err instanceof HiveError) aws = awsErrorFromDomain(err);
  else aws = new AwsError("InternalError", "An internal error has occurred", 500);
  if (aws.status >= 500) log(`request ${requestId} ${codec.service}.${action || "?"} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  return xmlResponse(codec.serializeError(aws.code, aws.message, requestId, aws.type), aws.status, requestId);
}

function xmlResponse(xml: string, status: number, requestId: string): Response {
  return new Response(xml, {
    status,
    headers: { "content-type": "text/xml;charset=UTF-8", "x-amzn-requestid": requestId },
  });
}
