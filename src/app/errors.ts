// The errors the app layer raises for an operator to act on, each with a
// stable code the CLI prints. Kept apart from the modules that raise them so
// that the CLI can recognise them without loading those modules (and their
// dependencies) for every command.

export class PortInUseError extends Error {
  readonly code = 'PORT_IN_USE';
  constructor(
    readonly variable: string,
    readonly port: number,
  ) {
    super(`${variable}: port ${port} is already in use (another Sotto, or another service); choose another with ${variable}=…`);
    this.name = 'PortInUseError';
  }
}

/**
 * A listener that could not start for another reason than a busy port: the
 * bind address is not one of this machine's (EADDRNOTAVAIL, named as
 * SOTTO_BIND) or the port is not allowed (EACCES, a port below 1024 without
 * the privilege). Stable code, named variable, no stack trace.
 */
export class ListenError extends Error {
  readonly code = 'LISTEN_FAILED';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ListenError';
  }
}

/** The typed error for a listener's failure (errno from Node), naming the variable an operator changes. */
export function listenFailure(errno: string | undefined, portVariable: string, port: number, bind: string): Error | undefined {
  if (errno === 'EADDRINUSE') return new PortInUseError(portVariable, port);
  if (errno === 'EADDRNOTAVAIL') return new ListenError('SOTTO_BIND', `${bind} is not an address of this machine (EADDRNOTAVAIL); use one of its addresses, or 0.0.0.0 for all`);
  if (errno === 'EACCES') return new ListenError(portVariable, `not allowed to listen on port ${port} (EACCES; ports below 1024 need root or CAP_NET_BIND_SERVICE)`);
  return undefined;
}

/** The key file could not be put in place after the database was re-wrapped: rerun once the cause is fixed. */
export class KeyRotationError extends Error {
  readonly code = 'KEY_ROTATION_UNFINISHED';
  constructor(message: string) {
    super(message);
    this.name = 'KeyRotationError';
  }
}

/** The demo refused (a stable code, printed by the CLI). */
export class DemoError extends Error {
  readonly code = 'DEMO_BESIDE_PRACTICE';
  constructor(message: string) {
    super(message);
    this.name = 'DemoError';
  }
}
