// Making a written file, or a rename in a directory, durable before anyone is told it is done.
import { open } from "node:fs/promises";

/** fsync of a file or directory, without holding the event loop while the disk catches up. */
export async function syncPath(target: string): Promise<void> {
  const handle = await open(target, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
