// The AWS SDK v3 clients as codec oracles: a client config whose request handler is a function of the test's, so the
// SDK's own serializer and deserializer meet Hive's codec without a network.
import type { HttpRequest, HttpResponse } from "@smithy/types";

export type Handler = (req: HttpRequest) => Promise<{ response: HttpResponse }>;

export const clientConfig = (handle: Handler) => ({
  region: "us-east-1",
  endpoint: "http://localhost:1",
  credentials: { accessKeyId: "a", secretAccessKey: "b" },
  maxAttempts: 1,
  requestHandler: { handle },
});
