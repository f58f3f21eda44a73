// AWS errors as the gateway answers them, and the one table that maps Hive's domain errors to AWS codes.
import type { HiveError } from "../errors/index.ts";

export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly type: "Sender" | "Receiver" = status >= 500 ? "Receiver" : "Sender",
  ) {
    super(message);
    this.name = code;
  }
}

/** AWS codes for "not found" by resource type; later issues add instances, volumes, images, key pairs. */
const NOT_FOUND: Record<string, string> = {
  instance: "InvalidInstanceID.NotFound",
  image: "InvalidAMIID.NotFound",
  volume: "InvalidVolume.NotFound",
  snapshot: "InvalidSnapshot.NotFound",
  "key-pair": "InvalidKeyPair.NotFound",
  vpc: "InvalidVpcID.NotFound",
  "security-group": "InvalidGroup.NotFound",
  "security-group-rule": "InvalidSecurityGroupRuleId.NotFound",
  permission: "InvalidPermission.NotFound",
  subnet: "InvalidSubnetID.NotFound",
  "route-table": "InvalidRouteTableID.NotFound",
  "internet-gateway": "InvalidInternetGatewayID.NotFound",
  "dhcp-options": "InvalidDhcpOptionID.NotFound",
  "route-table-association": "InvalidAssociationID.NotFound",
  "vpc-cidr-block-association": "InvalidVpcCidrBlockAssociationID.NotFound",
  route: "InvalidRoute.NotFound",
  gateway: "InvalidGatewayID.NotFound",
  "network-interface": "InvalidNetworkInterfaceID.NotFound",
  attachment: "InvalidAttachmentID.NotFound",
  allocation: "InvalidAllocationID.NotFound",
  association: "InvalidAssociationID.NotFound",
  address: "InvalidAddress.NotFound",
  "elastic-ip": "InvalidAllocationID.NotFound",
  "volume-attachment": "InvalidAttachment.NotFound",
  "launch-template": "InvalidLaunchTemplateId.NotFound",
  "launch-template-name": "InvalidLaunchTemplateName.NotFoundException",
  "launch-template-version": "InvalidLaunchTemplateId.VersionNotFound",
  // SSM
  parameter: "ParameterNotFound",
  "parameter-version": "ParameterVersionNotFound",
  "ssm-resource": "InvalidResourceId",
};

const MALFORMED: Record<string, string> = {
  instance: "InvalidInstanceID.Malformed",
  image: "InvalidAMIID.Malformed",
  volume: "InvalidVolumeID.Malformed",
  snapshot: "InvalidSnapshotID.Malformed",
  vpc: "InvalidVpcID.Malformed",
  "security-group": "InvalidGroupId.Malformed",
  "security-group-rule": "InvalidSecurityGroupRuleId.Malformed",
  subnet: "InvalidSubnetID.Malformed",
  "route-table": "InvalidRouteTableId.Malformed",
  "internet-gateway": "InvalidInternetGatewayId.Malformed",
  "dhcp-options": "InvalidDhcpOptionsId.Malformed",
  "network-interface": "InvalidNetworkInterfaceID.Malformed",
  attachment: "InvalidAttachmentID.NotFound",
  allocation: "InvalidAllocationID.NotFound",
  association: "InvalidAssociationID.NotFound",
  "launch-template": "InvalidLaunchTemplateId.Malformed",
};

const CONFLICT: Record<string, string> = {
  "key-pair": "InvalidKeyPair.Duplicate",
  "image-name": "InvalidAMIName.Duplicate",
  "security-group": "InvalidGroup.Duplicate",
  permission: "InvalidPermission.Duplicate",
  dependency: "DependencyViolation",
  route: "RouteAlreadyExists",
  association: "Resource.AlreadyAssociated",
  "subnet-cidr": "InvalidSubnet.Conflict",
  "vpc-cidr": "CidrConflict",
  "ip-address": "InvalidIPAddress.InUse",
  "network-interface": "InvalidNetworkInterface.InUse",
  "address-association": "Resource.AlreadyAssociated",
  "volume-in-use": "VolumeInUse",
  "snapshot-in-use": "InvalidSnapshot.InUse",
  "client-token": "IdempotentParameterMismatch",
  "launch-template-name": "InvalidLaunchTemplateName.AlreadyExistsException",
  // SSM
  parameter: "ParameterAlreadyExists",
};

const NOT_PERMITTED: Record<string, string> = {
  "default-security-group": "CannotDelete",
  // EC2 answers DescribeImageAttribute's deprecated blockDeviceMapping so.
  "deprecated-attribute": "AuthFailure",
  // SSM: names under /aws/ and /ssm/ are AWS's own.
  "reserved-parameter": "AccessDeniedException",
};

const INVALID_STATE: Record<string, string> = {
  instance: "IncorrectInstanceState",
  "gateway-attachment": "Gateway.NotAttached",
  "volume-modification": "IncorrectModificationState",
};

const INVALID_VALUE: Record<string, string> = {
  "instance-type": "InvalidInstanceType",
  "tag-limit": "TagLimitExceeded",
  "block-device-mapping": "InvalidBlockDeviceMapping",
  "user-data": "InvalidUserData.Malformed",
  "key-format": "InvalidKey.Format",
  "missing-parameter": "MissingParameter",
  "parameter-combination": "InvalidParameterCombination",
  "invalid-parameter": "InvalidParameter",
  "vpc-id-not-specified": "VPCIdNotSpecified",
  "permission-malformed": "InvalidPermission.Malformed",
  "vpc-range": "InvalidVpc.Range",
  "subnet-range": "InvalidSubnet.Range",
  "vpc-limit": "VpcLimitExceeded",
  "cidr-limit": "CidrLimitExceeded",
  "subnet-full": "InsufficientFreeAddressesInSubnet",
  "address-limit": "AddressLimitExceeded",
  "missing-input": "MissingInput",
  "groups-per-interface": "SecurityGroupsPerInterfaceLimitExceeded",
  "zone-mismatch": "InvalidVolume.ZoneMismatch",
  "ami-attribute-item": "InvalidAMIAttributeItemValue",
  "user-id": "InvalidUserID.Malformed",
  "credit-specification": "InstanceCreditSpecification.NotSupported",
  "launch-template-name": "InvalidLaunchTemplateName.MalformedException",
  // SSM, whose generic refusal of bad input is ValidationException rather than EC2's InvalidParameterValue.
  "ssm-request": "ValidationException",
  "parameter-hierarchy": "HierarchyLevelLimitExceededException",
  "parameter-pattern": "ParameterPatternMismatchException",
  "allowed-pattern": "InvalidAllowedPatternException",
  "kms-key": "InvalidKeyId",
  "parameter-type": "UnsupportedParameterType",
  "parameter-label-limit": "ParameterVersionLabelLimitExceeded",
  "parameter-version-limit": "ParameterMaxVersionLimitExceeded",
  "filter-key": "InvalidFilterKey",
  "filter-option": "InvalidFilterOption",
  "filter-value": "InvalidFilterValue",
  "next-token": "InvalidNextToken",
  "ssm-resource-type": "InvalidResourceType",
  "ssm-tag-limit": "TooManyTagsError",
};

/** What did not fit; EC2 has one code for EBS storage, so a snapshot the box cannot hold answers with it too. */
const CAPACITY: Record<string, string> = {
  volume: "InsufficientVolumeCapacity",
  snapshot: "InsufficientVolumeCapacity",
};

export function awsErrorFromDomain(err: HiveError): AwsError {
  const resource = err.resource ?? "";
  switch (err.kind) {
    case "InvalidParameter":
      return new AwsError(INVALID_VALUE[resource] ?? "InvalidParameterValue", err.message);
    case "NotFound":
      return new AwsError(NOT_FOUND[resource] ?? "InvalidParameterValue", err.message);
    case "Malformed":
      return new AwsError(MALFORMED[resource] ?? "InvalidID", err.message);
    case "NotPermitted":
      return new AwsError(NOT_PERMITTED[resource] ?? CONFLICT[resource] ?? "OperationNotPermitted", err.message);
    case "Conflict":
      // The rooms name "in use" and "already there" as either kind: both tables answer for both.
      return new AwsError(CONFLICT[resource] ?? NOT_PERMITTED[resource] ?? "IncorrectState", err.message);
    case "InvalidState":
      return new AwsError(INVALID_STATE[resource] ?? "IncorrectState", err.message);
    case "CapacityExhausted":
      return new AwsError(CAPACITY[resource] ?? "InsufficientInstanceCapacity", err.message, 500, "Receiver");
    case "Unsupported":
      return new AwsError("UnsupportedOperation", err.message);
    case "Unavailable":
      return new AwsError("Unavailable", err.message, 503);
    default:
      return new AwsError("InternalError", "An internal error has occurred", 500);
  }
}

export type AuthFailureReason =
  | "missing" | "malformed" | "unknown-key" | "expired" | "scope" | "payload-hash" | "bad-signature";

/** EC2, the awsQuery services and the JSON services name the same authentication failures differently. */
export function awsAuthError(reason: AuthFailureReason, service: string, detail: string, json = false): AwsError {
  if (json) return jsonAuthError(reason, detail);
  const ec2 = service === "ec2";
  switch (reason) {
    case "missing":
      return new AwsError("MissingAuthenticationToken", "Request is missing Authentication Token", ec2 ? 401 : 403);
    case "malformed":
      return new AwsError("IncompleteSignature", detail, ec2 ? 400 : 403);
    case "unknown-key":
      return ec2
        ? new AwsError("AuthFailure", "AWS was not able to validate the provided access credentials", 401)
        : new AwsError("InvalidClientTokenId", "The security token included in the request is invalid.", 403);
    case "expired":
      return ec2 ? new AwsError("RequestExpired", detail, 400) : new AwsError("SignatureDoesNotMatch", `Signature expired: ${detail}`, 403);
    default:
      return ec2
        ? new AwsError("AuthFailure", "AWS was not able to validate the provided access credentials", 401)
        : new AwsError("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403);
  }
}

const SIGNATURE_MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.";

function jsonAuthError(reason: AuthFailureReason, detail: string): AwsError {
  switch (reason) {
    case "missing":
      return new AwsError("MissingAuthenticationTokenException", "Request is missing Authentication Token");
    case "malformed":
      return new AwsError("IncompleteSignatureException", detail);
    case "unknown-key":
      return new AwsError("UnrecognizedClientException", "The security token included in the request is invalid.");
    case "expired":
      return new AwsError("InvalidSignatureException", `Signature expired: ${detail}`);
    default:
      return new AwsError("InvalidSignatureException", SIGNATURE_MISMATCH);
  }
}
