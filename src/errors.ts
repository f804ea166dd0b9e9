/**
 * An error meant for the person at the terminal: what went wrong, and one thing to do about it.
 * Messages never carry secrets; callers pass profile names, file paths and AWS's own words only.
 */
export class AwsmfaError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AwsmfaError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** The person pressed Ctrl-C: exit 130 as shells do, with nothing on stdout but the failure code. */
export class InterruptedError extends AwsmfaError {
  constructor() {
    super('interrupted', { exitCode: 130 });
    this.name = 'InterruptedError';
  }
}
