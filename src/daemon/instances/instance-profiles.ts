// DescribeIamInstanceProfileAssociations before IAM exists: no instance has a profile, so the listing is empty. The
// request is still checked as EC2 checks it; Associate/Replace/DisassociateIamInstanceProfile stay UnsupportedOperation.
import type { DescribeIamInstanceProfileAssociationsRequest, IamInstanceProfileAssociation } from "@aws-sdk/client-ec2";
import { notFound } from "../../errors/index.ts";
import { applyFilters, type FilterFields } from "../shared/index.ts";

const fields: FilterFields<IamInstanceProfileAssociation> = {
  "instance-id": (a) => a.InstanceId,
  state: (a) => a.State,
};

export function describeIamInstanceProfileAssociations(input: DescribeIamInstanceProfileAssociationsRequest) {
  const [first] = input.AssociationIds ?? [];
  if (first !== undefined) throw notFound("association", `The association ID '${first.slice(0, 64)}' does not exist`, "AssociationId");
  // Filters are checked (an unknown name is InvalidParameterValue) even though there is nothing to narrow.
  return { IamInstanceProfileAssociations: applyFilters<IamInstanceProfileAssociation>([], input.Filters, fields) };
}
