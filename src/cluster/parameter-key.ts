// A member's copy of the region's SecureString key: the one its welcome carried, or, for a member that joined before
// its hub had one, the hub's, asked once over the region's bus and kept in secrets.json.
import { subjects, type Bus } from "../bus/index.ts";
import { loadSecrets, parameterKeyBytes, saveParameterKey } from "../config/index.ts";
import { HiveError } from "../errors/index.ts";

/** The key, or undefined (logged) when the hub has none or cannot be reached within `waitMs`. */
export async function memberParameterKey(bus: Bus, dataDir: string, log: (line: string) => void, waitMs = 10_000): Promise<Uint8Array | undefined> {
  const held = loadSecrets(dataDir).parameterKey;
  if (held !== undefined) return parameterKeyBytes(held);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const reply = await bus.request<{ parameterKey?: string }>(subjects.clusterParameterKey, { requestId: "parameter-key", input: {} }, 2_000);
      if (typeof reply?.parameterKey !== "string") break;
      saveParameterKey(dataDir, reply.parameterKey);
      log("cluster: received the region's parameter key from the hub");
      return parameterKeyBytes(reply.parameterKey);
    } catch (err) {
      // Until the leaf link is up nobody answers; anything else the hub said is final.
      if (!(err instanceof HiveError && err.kind === "Unavailable") || Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  log("cluster: this box has no parameter key yet (the hub did not send one): SecureString parameters fail here until a restart gets it");
  return undefined;
}
