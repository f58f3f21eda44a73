// Cuts a stream of text chunks into whole lines, whatever the chunk boundaries.

export class LineSplitter {
  private rest = "";

  /** Feeds one chunk; returns the complete lines it finished, without their line endings. */
  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const parts = text.split("\n");
    // The last part has no newline yet: keep it for the next chunk.
    this.rest = parts.pop() ?? "";
    return parts.map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line)).filter((line) => line.trim() !== "");
  }

  /** What arrived after the last newline. */
  get pending(): string {
    return this.rest;
  }
}
