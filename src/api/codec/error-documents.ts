// The error document of each AWS wire protocol, so that any SDK can read the code of an error Hive sends it — for the
// services Hive serves and for those it does not (an SSM or S3 client must not be handed EC2's XML).
import { escapeXml } from "./xml-writer.ts";

/** How a request was spoken: the protocols of the AWS service models, S3 apart (its errors have no envelope). */
export type Wire = "ec2" | "query" | "json" | "rest-json" | "rest-xml" | "s3";

export interface ErrorDocument {
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

const declaration = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function errorDocument(
  wire: Wire,
  code: string,
  message: string,
  requestId: string,
  opts: { type?: "Sender" | "Receiver"; xmlNamespace?: string; jsonVersion?: string } = {},
): ErrorDocument {
  const xmlError = `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>`;
  switch (wire) {
    case "ec2":
      return {
        contentType: "text/xml;charset=UTF-8",
        body: `${declaration}<Response><Errors><Error>${xmlError}</Error></Errors><RequestID>${escapeXml(requestId)}</RequestID></Response>`,
      };
    case "s3":
      return {
        contentType: "application/xml",
        body: `${declaration}<Error>${xmlError}<RequestId>${escapeXml(requestId)}</RequestId></Error>`,
      };
    case "query":
    case "rest-xml": {
      const ns = opts.xmlNamespace ? ` xmlns="${escapeXml(opts.xmlNamespace)}"` : "";
      return {
        contentType: "text/xml;charset=UTF-8",
        body:
          `${declaration}<ErrorResponse${ns}><Error><Type>${opts.type ?? "Sender"}</Type>${xmlError}</Error>` +
          `<RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`,
      };
    }
    case "json":
      return { contentType: `application/x-amz-json-${opts.jsonVersion ?? "1.1"}`, body: JSON.stringify({ __type: code, message }) };
    case "rest-json":
      // REST-JSON SDKs read the code from this header first, then from the body.
      return { contentType: "application/json", body: JSON.stringify({ code, message }), headers: { "x-amzn-errortype": code } };
  }
}
