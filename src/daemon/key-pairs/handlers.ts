// The key pair actions bound to their declarations, over the region's store.
import type { Ec2Actions, Handlers } from "../../actions/index.ts";
import type { Store } from "../../store/index.ts";
import { createKeyPair, deleteKeyPair, describeKeyPairs, importKeyPair } from "./key-pairs.ts";

export const keyPairHandlers = (store: Store) =>
  ({
    CreateKeyPair: (req) => createKeyPair(req.input, store),
    ImportKeyPair: (req) => importKeyPair(req.input, store),
    DescribeKeyPairs: (req) => describeKeyPairs(req.input, store),
    DeleteKeyPair: (req) => deleteKeyPair(req.input, store),
  }) satisfies Partial<Handlers<Ec2Actions>>;
