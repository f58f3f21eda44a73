// The one error the codec throws: a client mistake in the request, already in AWS's words.

export type CodecErrorCode =
  | "MissingParameter" | "InvalidParameterValue" | "UnknownParameter" | "InvalidParameterCombination"
  // The JSON protocol's: a value of the wrong JSON type, and a member missing, unknown or out of its constraints.
  | "SerializationException" | "ValidationException";

export class CodecError extends Error {
  constructor(
    readonly code: CodecErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CodecError";
  }
}
