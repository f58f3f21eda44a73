// Enum and range traits that the shipped min.json models strip, for the inputs Hive checks strictly.

export interface ScalarTraits {
  readonly enum?: readonly string[];
  readonly min?: number;
  readonly max?: number;
}

// Keyed by service, then operation, then member-name path (lists are stepped through implicitly).
// Values follow the published EC2 API reference; the unit tests check them against the SDK's enums.
const volumeType = { enum: ["standard", "io1", "io2", "gp2", "sc1", "st1", "gp3"] };

export const extraTraits: Record<string, Record<string, Record<string, ScalarTraits>>> = {
  ec2: {
    DescribeInstanceTypes: { MaxResults: { min: 5, max: 100 } },
    DescribeImages: { MaxResults: { min: 1, max: 1000 } },
    DescribeInstances: { MaxResults: { min: 5, max: 1000 } },
    DescribeInstanceStatus: { MaxResults: { min: 5, max: 1000 } },
    DescribeInstanceCreditSpecifications: { MaxResults: { min: 5, max: 1000 } },
    DescribeIamInstanceProfileAssociations: { MaxResults: { min: 5, max: 1000 } },
    DescribeVolumes: { MaxResults: { min: 5, max: 1000 } },
    DescribeTags: { MaxResults: { min: 5, max: 1000 } },
    DescribeSecurityGroups: { MaxResults: { min: 5, max: 1000 } },
    DescribeSecurityGroupRules: { MaxResults: { min: 5, max: 1000 } },
    DescribeInstanceTypeOfferings: {
      MaxResults: { min: 5, max: 1000 },
      LocationType: { enum: ["region", "availability-zone", "availability-zone-id", "outpost"] },
    },
    RunInstances: {
      MinCount: { min: 1 },
      MaxCount: { min: 1 },
      InstanceInitiatedShutdownBehavior: { enum: ["stop", "terminate"] },
      "BlockDeviceMappings.Ebs.VolumeType": volumeType,
    },
    CreateVolume: { VolumeType: volumeType },
  },
  sts: {
    AssumeRole: { DurationSeconds: { min: 900, max: 43200 } },
  },
  iam: {
    ListAccountAliases: { MaxItems: { min: 1, max: 1000 } },
  },
};
