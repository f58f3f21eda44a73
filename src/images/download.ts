// Fetches an http(s) source into a local file, streaming, with progress from Content-Length.
import { open } from "node:fs/promises";
import { HiveError } from "../errors/index.ts";

/** Downloads url into file (created exclusively); percent is 0 until the end when the size is not announced. */
export async function download(url: URL, file: string, onPercent: (percent: number) => void, signal?: AbortSignal): Promise<number> {
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: "follow" });
  } catch (err) {
    throw new HiveError({ kind: "InvalidParameter", param: "source", message: `cannot download ${url.href}: ${causeOf(err)}` });
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new HiveError({ kind: "InvalidParameter", param: "source", message: `cannot download ${url.href}: HTTP ${res.status}` });
  }
  const total = Number(res.headers.get("content-length") ?? NaN);
  const fh = await open(file, "wx", 0o600);
  let received = 0;
  let lastReported = -1;
  try {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await fh.write(value);
      received += value.byteLength;
      if (total > 0) {
        // Whole percents only: a callback per 64 KiB chunk would flood the progress channel.
        const p = Math.min(100, Math.floor((received / total) * 100));
        if (p !== lastReported) onPercent((lastReported = p));
      }
    }
  } catch (err) {
    throw new HiveError({ kind: "InvalidParameter", param: "source", message: `download of ${url.href} broke off: ${causeOf(err)}` });
  } finally {
    await fh.close();
  }
  if (total > 0 && received !== total) {
    throw new HiveError({ kind: "InvalidParameter", param: "source", message: `download of ${url.href} was cut short (${received} of ${total} bytes)` });
  }
  onPercent(100);
  return received;
}

// fetch hides the socket error (ECONNREFUSED, ENOTFOUND) in `cause`.
const causeOf = (err: unknown): string => {
  const cause = (err as { cause?: { message?: string; code?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
};
