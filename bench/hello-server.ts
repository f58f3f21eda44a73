// The ceiling: a bare Hono "hello" over HTTPS on the same runtime as the hive binary (Bun), with the same certificate.
import { Hono } from "hono";
import fs from "node:fs";

const [certFile, keyFile, port] = process.argv.slice(2);
const app = new Hono();
app.all("/", (c) => c.text("hello"));
const server = Bun.serve({ hostname: "127.0.0.1", port: Number(port), tls: { cert: fs.readFileSync(certFile, "utf8"), key: fs.readFileSync(keyFile, "utf8") }, fetch: app.fetch });
console.log(`hello ready on ${server.port}`);
