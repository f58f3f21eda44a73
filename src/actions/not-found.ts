// How EC2 words ids that no node holds: the error code and message per resource, for the catalogue's `owned` rules.
import type { OwnedIds } from "./spec.ts";

const idList = (noun: string, ids: string[]): string =>
  ids.length === 1 ? `The ${noun} ID '${ids[0]}' does not exist` : `The ${noun} IDs '${ids.join(", ")}' do not exist`;

export const instanceIds = (param: string): OwnedIds => ({
  param,
  code: () => "InvalidInstanceID.NotFound",
  message: (ids) => idList("instance", ids),
});

export const volumeIds = (param: string): OwnedIds => ({
  param,
  code: () => "InvalidVolume.NotFound",
  message: (ids) => idList("volume", ids),
});

export const snapshotIds = (param: string): OwnedIds => ({
  param,
  code: () => "InvalidSnapshot.NotFound",
  message: (ids) => (ids.length === 1 ? `The snapshot '${ids[0]}' does not exist.` : `The snapshots '${ids.join(", ")}' do not exist.`),
});

/**
 * The instances named by a batch action that answers each id on its own (ModifyInstanceCreditSpecification): an id
 * no node holds is an Unsuccessful entry with its code, not an error of the whole call.
 */
export const instanceItems = (param: string, member: string, list: string): OwnedIds => ({
  ...instanceIds(param),
  member,
  unknownAs: {
    list,
    entry: (id) => {
      // The shape the daemon's id check accepts (src/runtime/ids.ts): i- and 8 or 17 hex digits.
      const malformed = !/^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(id);
      return {
        InstanceId: id,
        Error: malformed
          ? { Code: "InvalidInstanceID.Malformed", Message: `Invalid id: "${id.slice(0, 64)}" (expecting "i-...")` }
          : { Code: "InvalidInstanceID.NotFound", Message: idList("instance", [id]) },
      };
    },
  },
});

// EC2 names missing AMIs in brackets: The image id '[ami-…]' does not exist.
export const imageIds = (param: string): OwnedIds => ({
  param,
  code: () => "InvalidAMIID.NotFound",
  message: (ids) => (ids.length === 1 ? `The image id '[${ids[0]}]' does not exist` : `The image ids '[${ids.join(", ")}]' do not exist`),
});

const BY_PREFIX: Record<string, [code: string, noun: string]> = {
  i: ["InvalidInstanceID.NotFound", "instance"],
  vol: ["InvalidVolume.NotFound", "volume"],
  ami: ["InvalidAMIID.NotFound", "image"],
  sg: ["InvalidGroup.NotFound", "security group"],
  sgr: ["InvalidSecurityGroupRuleId.NotFound", "security group rule"],
  vpc: ["InvalidVpcID.NotFound", "vpc"],
  subnet: ["InvalidSubnetID.NotFound", "subnet"],
  rtb: ["InvalidRouteTableID.NotFound", "routeTable"],
  igw: ["InvalidInternetGatewayID.NotFound", "internetGateway"],
  dopt: ["InvalidDhcpOptionID.NotFound", "dhcpOption"],
  eni: ["InvalidNetworkInterfaceID.NotFound", "network interface"],
  eipalloc: ["InvalidAllocationID.NotFound", "allocation"],
  snap: ["InvalidSnapshot.NotFound", "snapshot"],
  lt: ["InvalidLaunchTemplateId.NotFound", "launch template"],
};

/** Ids of any taggable resource: the code follows the first missing id's prefix. */
export const resourceIds = (param: string): OwnedIds => ({
  param,
  code: (id) => BY_PREFIX[id.split("-")[0]]?.[0] ?? "InvalidID",
  message: (ids) => idList(BY_PREFIX[ids[0].split("-")[0]]?.[1] ?? "resource", ids),
});
