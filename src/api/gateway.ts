// The AWS gateway as a Hono app: authenticate, decode with the service model (Query or JSON protocol), forward over
// NATS, encode the answer; a service Hive does not serve is refused in the protocol its caller spoke.
import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { actionSpec } from "../actions/index.ts";
import type { Bus } from "../bus/index.ts";
import { HiveError } from "../errors/index.ts";
import { AwsError, awsAuthError, awsErrorFromDomain } from "./aws-error.ts";
import { CodecError, codecFor, errorDocument, type ServiceCodec, type ServiceName, type Wire } from "./codec/index.ts";
import { dispatcher, type Dispatch, type NodeSource } from "./dispatch.ts";
import type { Principals } from "./identity.ts";
import { readAwsRequest } from "./aws-request.ts";
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
  /** One log line per AWS request (`api <id> ssm.GetParameter 200 3 ms`), for operators tracing what a tool calls. */
  logRequests?: boolean;
}

const SERVICES = new Set<ServiceName>(["ec2", "sts", "iam", "ssm"]);

export function createGateway(deps: GatewayDeps): Hono {
  const app = new Hono();
  const dispatch = dispatcher({ bus: deps.bus, nodes: deps.nodes, log: deps.log, requestTimeoutMs: deps.requestTimeoutMs, self: deps.node });
  app.route("/hive/v1", adminRoutes({ principals: deps.principals, status: deps.status, bus: deps.bus, node: deps.node, dispatch }));
  // Every other path: the AWS services Hive serves answer at "/", and any request gets its answer in its own protocol.
  app.all("*", async (c) => {
    const started = performance.now();
    const trace: Trace = { requestId: randomUUID(), call: c.req.path };
    const response = await handleRequest(c.req.raw, deps, dispatch, trace);
    if (deps.logRequests) {
      const code = trace.code ? ` ${trace.code}` : "";
      deps.log(`api ${trace.requestId} ${trace.call} ${response.status}${code} ${(performance.now() - started).toFixed(0)} ms`);
    }
    return response;
  });
  return app;
}

/** What the request log says of a request: its id, `service.Action` once known, and the error code it got. */
interface Trace {
  requestId: string;
  call: string;
  code?: string;
}

/** How to answer a caller: in its service's codec when Hive serves the service, else in the protocol it spoke. */
type Answer = { codec: ServiceCodec; wire?: never } | { codec?: never; wire: Wire };

async function handleRequest(raw: Request, deps: GatewayDeps, dispatch: Dispatch, trace: Trace): Promise<Response> {
  const requestId = trace.requestId;
  let answer: Answer = { codec: codecFor("ec2") };
  let action = "";
  try {
    const req = await readAwsRequest(raw, scopeService);
    const service = req.service ?? "ec2";
    const path = new URL(raw.url).pathname;
    if (!SERVICES.has(service as ServiceName)) {
      answer = { wire: req.wire };
      trace.call = `${service.slice(0, 64)}.${req.target?.split(".").pop()?.slice(0, 128) ?? `${raw.method} ${path.slice(0, 128)}`}`;
      throw unserved(service, req.wire, raw.method, path);
    }
    const codec = codecFor(service as ServiceName);
    answer = { codec };
    const json = codec.protocol === "json";
    if (path !== "/" && req.wire !== "ec2" && req.wire !== "query" && req.wire !== "json") {
      throw new AwsError(json ? "UnknownOperationException" : "InvalidAction", `No such resource: ${path.slice(0, 128)}`, 404);
    }
    if ((req.wire === "json") !== json) {
      throw new AwsError(json ? "UnknownOperationException" : "InvalidAction", `${service} speaks the ${codec.protocol} protocol; this request is not in it.`);
    }

    const auth = verifySigV4(req.signable, (id) => deps.principals.lookup(id)?.secretAccessKey);
    if (!auth.ok) throw awsAuthError(auth.reason, service, auth.message, json);
    const principal = deps.principals.lookup(auth.accessKeyId)!;

    action = json ? targetAction(req.target ?? "", codec) : (req.params.find(([k]) => k === "Action")?.[1] ?? "");
    trace.call = `${service}.${action.slice(0, 128) || "?"}`;
    if (!action) throw new AwsError("MissingParameter", "The request must contain the parameter Action");
    if (!codec.hasAction(action)) {
      throw new AwsError(json ? "UnknownOperationException" : "InvalidAction", `The action ${action.slice(0, 128)} is not valid for this web service.`);
    }
    const input = json ? codec.parseJson(action, req.text) : codec.parseInput(action, req.params);
    if (!actionSpec(service, action)) {
      throw new AwsError("UnsupportedOperation", `The action ${action} is not supported by Hive yet.`);
    }
    if (input.DryRun === true) {
      throw new AwsError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412);
    }
    const output = await dispatch({ service: service as ServiceName, action, input, caller: principal.caller, region: auth.region, requestId });
    return new Response(codec.serializeOutput(action, output, requestId), {
      status: 200,
      headers: { "content-type": codec.contentType, "x-amzn-requestid": requestId },
    });
  } catch (err) {
    return errorResponse(err, answer, requestId, action, deps.log, trace);
  }
}

/** `AmazonSSM.GetParameter` → `GetParameter`; a target of another service names no action here. */
function targetAction(target: string, codec: ServiceCodec): string {
  const dot = target.lastIndexOf(".");
  if (dot < 0 || target.slice(0, dot) !== codec.targetPrefix) {
    throw new AwsError("UnknownOperationException", `The target ${target.slice(0, 128) || "(none)"} is not an operation of ${codec.service}.`);
  }
  return target.slice(dot + 1) || " ";
}

/** A service Hive does not serve, in the code its SDK expects for "no such operation here". */
function unserved(service: string, wire: Wire, method: string, path: string): AwsError {
  const what = `Hive does not serve the service '${service.slice(0, 64)}'`;
  const served = `it serves ${[...SERVICES].join(", ")}.`;
  switch (wire) {
    case "s3":
      return new AwsError("NotImplemented", `${what} (${method} ${path.slice(0, 128)}): ${served}`, 501);
    case "json":
    case "rest-json":
      return new AwsError("UnknownOperationException", `${what}: ${served}`, wire === "json" ? 400 : 404);
    default:
      return new AwsError("InvalidAction", `${what}: ${served}`, wire === "rest-xml" ? 404 : 400);
  }
}

function errorResponse(err: unknown, answer: Answer, requestId: string, action: string, log: (l: string) => void, trace: Trace): Response {
  let aws: AwsError;
  if (err instanceof AwsError) aws = err;
  else if (err instanceof CodecError) aws = new AwsError(err.code, err.message);
  else if (err instanceof HiveError) aws = awsErrorFromDomain(err);
  else aws = new AwsError("InternalError", "An internal error has occurred", 500);
  trace.code = aws.code;
  const service = answer.codec?.service ?? answer.wire;
  if (aws.status >= 500 && aws.code !== "NotImplemented") {
    log(`request ${requestId} ${service}.${action || "?"} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }
  const doc = answer.codec
    ? answer.codec.serializeError(aws.code, aws.message, requestId, aws.type)
    : errorDocument(answer.wire, aws.code, aws.message, requestId, { type: aws.type });
  return new Response(doc.body, {
    status: aws.status,
    headers: { "content-type": doc.contentType, "x-amzn-requestid": requestId, ...doc.headers },
  });
}
