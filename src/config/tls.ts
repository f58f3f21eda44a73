// The appliance's own certificate authority and the gateway's server certificate, made with @peculiar/x509.
import { webcrypto } from "node:crypto";
import os from "node:os";

type X509 = typeof import("@peculiar/x509");
let x509lib: X509 | undefined;

/** @peculiar/x509 needs the Reflect metadata polyfill loaded first; awaited imports fix that order, bundled or not. */
async function loadX509(): Promise<X509> {
  if (!x509lib) {
    await import("reflect-metadata");
    x509lib = await import("@peculiar/x509");
    x509lib.cryptoProvider.set(webcrypto as unknown as Crypto);
  }
  return x509lib;
}

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;

export interface TlsMaterial {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
}

const serial = (): string => Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString("hex").replace(/^[89a-f]/, "1");

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join("\n")}\n-----END PRIVATE KEY-----\n`;
}

/** The names a client on this host may use to reach the gateway: localhost, loopback, the host name and its addresses. */
export function serverNames(): { dns: string[]; ips: string[] } {
  const dns = new Set(["localhost", os.hostname()]);
  const ips = new Set(["127.0.0.1", "::1"]);
  for (const list of Object.values(os.networkInterfaces())) {
    for (const nic of list ?? []) if (!nic.address.startsWith("fe80")) ips.add(nic.address);
  }
  return { dns: [...dns].filter(Boolean), ips: [...ips] };
}

/** A fresh CA (10 years) and a server certificate it signs (2 years) for the given names. */
export async function makeTlsMaterial(commonName: string, names = serverNames()): Promise<TlsMaterial> {
  const x509 = await loadX509();
  const now = Date.now();
  const caKeys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=Hive CA ${commonName}, O=Hive`,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 3650 * DAY_MS),
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const server = await signServerCert(x509, ca, caKeys.privateKey, commonName, names);
  return {
    caCert: ca.toString("pem") + "\n",
    caKey: await pkcs8Pem(caKeys.privateKey),
    serverCert: server.cert,
    serverKey: server.key,
  };
}

/** A server certificate (2 years) for `names`, signed by an existing CA given as PEM (the region's, for a member or a leaf listener). */
export async function issueServerCert(caCertPem: string, caKeyPem: string, commonName: string, names: { dns: string[]; ips: string[] }): Promise<{ cert: string; key: string }> {
  const x509 = await loadX509();
  const ca = new x509.X509Certificate(caCertPem);
  const der = Buffer.from(caKeyPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  const caKey = await webcrypto.subtle.importKey("pkcs8", der, ALG, false, ["sign"]);
  return signServerCert(x509, ca, caKey, commonName, names);
}

/** SHA-256 of the certificate's DER, hex: what a join token pins the region's CA by. */
export async function certFingerprint(certPem: string): Promise<string> {
  const x509 = await loadX509();
  const der = new x509.X509Certificate(certPem).rawData;
  return Buffer.from(await webcrypto.subtle.digest("SHA-256", der)).toString("hex");
}

async function signServerCert(
  x509: X509,
  ca: import("@peculiar/x509").X509Certificate,
  caKey: CryptoKey,
  commonName: string,
  names: { dns: string[]; ips: string[] },
): Promise<{ cert: string; key: string }> {
  const now = Date.now();
  const serverKeys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${commonName}, O=Hive`,
    issuer: ca.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 730 * DAY_MS),
    publicKey: serverKeys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: "dns" as const, value })),
        ...names.ips.map((value) => ({ type: "ip" as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(serverKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  return { cert: server.toString("pem") + "\n", key: await pkcs8Pem(serverKeys.privateKey) };
}
