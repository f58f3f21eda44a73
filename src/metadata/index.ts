// The instance metadata service: the tree EC2 guests read at 169.254.169.254, served per instance.
export { MetadataService, type ImdsOptions, type ImdsSource } from "./imds-server.ts";
export { metadataTree, lookupMetadata, identityDocument, type MetadataFacts, type MetadataInterface, type MetadataNode } from "./tree.ts";
