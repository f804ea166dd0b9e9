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
  /**
   * Code that starts (or switches) a session: unless this shell already holds a record of `saved`, it
   * records their values in variables of the shell itself, never exported (programs started later must
   * not see the credentials a session replaced); then it puts the recorded values back and applies
   * `changes`. The shell copies the values itself, so they come back byte for byte, whatever they are.
   *
   * `enter` and `leave` are each one compound statement that no other supported shell can parse, so
   * that code applied by the wrong shell changes nothing and fails.
   */
  enter(saved: readonly string[], changes: readonly EnvChange[]): string;
  /**
   * Code that ends a session: with a record, it puts the recorded values of `saved` back and drops the
   * record; without one (say, a shell started from the one that has it), it applies `otherwise`.
   * Then `always`.
   */
  leave(saved: readonly string[], otherwise: readonly EnvChange[], always: readonly EnvChange[]): string;
  /** Code that does nothing but make the caller's eval / source / Invoke-Expression fail. */
  failure(): string;
  /** The command line a person types to apply the output of `command` (an awsmfa command line) here. */
  applyLine(command: string): string;
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

/** The shell variable that marks a record of the values before the first session, and each value's. */
export const RECORD_MARK = '__awsmfa_saved';
export const recordOf = (name: string): string => `__awsmfa_saved_${name}`;

/** Checks names (the values come from the shell itself) before any code is rendered. */
export function checkRecordNames(names: readonly string[]): void {
  for (const name of names) checkEnvChange({ name, value: null });
}
