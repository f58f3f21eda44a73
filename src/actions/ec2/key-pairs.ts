// EC2's key pair actions. Key pairs belong to the region: any one node answers from the region's state.
import type {
  CreateKeyPairRequest,
  DeleteKeyPairRequest,
  DeleteKeyPairResult,
  DescribeKeyPairsRequest,
  DescribeKeyPairsResult,
  ImportKeyPairRequest,
  ImportKeyPairResult,
  KeyPair,
} from "@aws-sdk/client-ec2";
import { anyNode, declare, regionWriter } from "../spec.ts";

export const keyPairActions = {
  CreateKeyPair: declare<CreateKeyPairRequest, KeyPair>(regionWriter),
  ImportKeyPair: declare<ImportKeyPairRequest, ImportKeyPairResult>(regionWriter),
  DescribeKeyPairs: declare<DescribeKeyPairsRequest, DescribeKeyPairsResult>(anyNode),
  DeleteKeyPair: declare<DeleteKeyPairRequest, DeleteKeyPairResult>(regionWriter),
};
