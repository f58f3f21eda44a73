// The region of boxes: join tokens and the join itself, the hub's services, and the sync of region-wide state.
export { BadToken, decodeToken } from "./token.ts";
export { recordHub, serveHub, type HubDeps, type Invite, type InviteRequest } from "./hub.ts";
export { joinRegion, type JoinOptions } from "./join.ts";
export { memberParameterKey } from "./parameter-key.ts";
export { startRegionSync, type RegionSync, type RegionSyncStatus } from "./region-sync.ts";
export type { Welcome } from "./welcome.ts";
