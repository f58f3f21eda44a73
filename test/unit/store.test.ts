// Runs the shared store cases on this runtime's driver: `node --test` → better-sqlite3, `bun test` → bun:sqlite.

import { test } from "node:test";
import { isBun } from "../../src/runtime/index.ts";
import { storeCases } from "./store.cases.ts";

storeCases(test, isBun ? "bun:sqlite" : "better-sqlite3");
