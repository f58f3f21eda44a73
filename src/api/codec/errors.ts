// The one error the codec throws: a client mistake in the request, already in AWS's words.

export type CodecErrorCode = "MissingParameter" | "InvalidParameterValue" | "UnknownParameter" | "InvalidParameterCombination";

export class CodecError extends Error {
  constructor(
    readonly code: CodecErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CodecError";
  }
}
