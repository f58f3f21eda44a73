// The three ways a QMP command can fail: QEMU said no, QEMU went away, or QEMU did not answer in time.

/** QEMU answered the command with an error object: the command failed, the process is fine. */
export class QmpCommandError extends Error {
  readonly command: string;
  /** QEMU's error class, e.g. "GenericError", "CommandNotFound", "DeviceNotFound". */
  readonly errorClass: string;
  readonly desc: string;

  constructor(command: string, errorClass: string, desc: string) {
    super(`QMP ${command} failed: ${errorClass}: ${desc}`);
    this.name = "QmpCommandError";
    this.command = command;
    this.errorClass = errorClass;
    this.desc = desc;
  }
}

/** The monitor socket closed (QEMU exited, was killed, or we closed it): nothing more will be answered. */
export class QmpDisconnectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QmpDisconnectedError";
  }
}

/** No reply within the command timeout; the connection stays open and a late reply is dropped. */
export class QmpTimeoutError extends Error {
  readonly command: string;

  constructor(command: string, timeoutMs: number) {
    super(`QMP ${command} got no reply within ${timeoutMs} ms`);
    this.name = "QmpTimeoutError";
    this.command = command;
  }
}
