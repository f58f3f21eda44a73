// Entry point of the `hive` binary and of `npm start`.
import { runCli } from "./cli/index.ts";

await runCli(process.argv);
