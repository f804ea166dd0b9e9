import type { ShellIntegration } from './integration.js';
import type { IndexDialect } from './profile-index.js';

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
  /** How `awsmfa init` and `awsmfa completions` render for this shell. */
  readonly integration: ShellIntegration;
  /** How this shell's part of the profile index is written (src/shell/profile-index.ts). */
  readonly index: IndexDialect;
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

/** A value that must become one word of shell code: the same limits as an environment value. */
export function checkShellWord(value: string): void {
  if (value.includes('\0')) {
    throw new InvalidShellValueError('a NUL character cannot be part of a shell word');
  }
  if (!value.isWellFormed()) {
    throw new InvalidShellValueError('a lone UTF-16 surrogate cannot be part of a shell word');
  }
}

/**
 * Every change is checked before any code is rendered, so one invalid change means no code at all
 * (never half an environment). Each statement is terminated by a newline.
 */
export function renderChanges(changes: readonly EnvChange[], statement: (change: EnvChange) => string): string {
  for (const change of changes) checkEnvChange(change);
  return changes.map((change) => `${statement(change)}\n`).join('');
}
