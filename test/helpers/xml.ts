// Reads the gateway's raw XML answers in tests with fast-xml-parser, so assertions look at elements, not text.
import { XMLParser } from "fast-xml-parser";

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false });

export const parseXml = (xml: string): Record<string, any> => parser.parse(xml) as Record<string, any>;

/** The error code of an EC2 (`<Response><Errors>`) or awsQuery (`<ErrorResponse>`) error document, else undefined. */
export function errorCodeOf(xml: string): string | undefined {
  const doc = parseXml(xml);
  return doc.Response?.Errors?.Error?.Code ?? doc.ErrorResponse?.Error?.Code;
}
