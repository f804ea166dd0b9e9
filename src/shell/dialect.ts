/**
 * One dialect per shell behind one interface. Everything that differs between shells lives in
 * that shell's module; the rest of the program only ever talks to a Dialect.
 */

/** A change to one environment variable: a value to export, or null to remove it. */
export interface EnvChange {
  readonly name: string;
  readonly value: string | null;
}

export type ShellName = 'bash' | 'zsh' | 'fish' | 'pwsh';

export interface Dialect {
  readonly name: ShellName;
  /** The value as one literal word of this shell (nothing inside it is expanded). */
  quote(value: string): string;
  /**
   * Code that applies the changes in order and, applied, leaves the shell's status at 0.
   * Throws InvalidShellValueError for a name or value that cannot live in an environment.
   */
  apply(changes: readonly EnvChange[]): string;
  /** Code that does nothing but make the caller's eval / source / Invoke-Expression fail. */
  failure(): string;
}

export class InvalidShellValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidShellValueError';
  }
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Names and values that no shell can put into an environment are refused, with the reason. */
export function checkEnvChange(change: EnvChange): void {
  if (!VARIABLE_NAME.test(change.name)) {
    throw new InvalidShellValueError(`${JSON.stringify(change.name)} is not a valid environment variable name`);
  }
  const value = change.value;
  if (value === null) return;
  if (value.includes('\0')) {
    throw new InvalidShellValueError(`the value for ${change.name} contains a NUL character, which an environment cannot hold`);
  }
  if (!value.isWellFormed()) {
    throw new InvalidShellValueError(`the value for ${change.name} contains a lone UTF-16 surrogate, which an environment cannot hold`);
  }
}
