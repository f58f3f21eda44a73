// The account's SSH key pairs (Create/Import/Describe/DeleteKeyPair) over the key formats they are written in.

export { createKeyPair, deleteKeyPair, describeKeyPairs, importKeyPair, publicKeyOf, type KeyPairPublicKey } from "./key-pairs.ts";
export { keyPairHandlers } from "./handlers.ts";
