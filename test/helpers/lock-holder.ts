// A separate process that tries to take a data directory's lock, says what happened, and holds it until killed.
// Usage: node --import tsx test/helpers/lock-holder.ts <data-dir> [hold-ms]
import { DataDirInUse, lockDataDir } from "../../src/store/index.ts";

const [dir, holdMs] = process.argv.slice(2);
try {
  const lock = await lockDataDir(dir!);
  process.stdout.write(`locked ${process.pid}\n`);
  setTimeout(() => lock.release(), Number(holdMs ?? 600_000));
} catch (err) {
  if (!(err instanceof DataDirInUse)) throw err;
  process.stdout.write(`refused ${err.owner?.pid ?? "unknown"}\n`);
}
