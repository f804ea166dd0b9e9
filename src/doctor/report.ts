/** One line of `awsmfa doctor`: what was checked, how it went, and what to do about it. */

/** `info` says something worth knowing that is not a problem; `skip` a check that could not be made. */
export type CheckStatus = 'ok' | 'info' | 'skip' | 'warn' | 'fail';

export interface CheckResult {
  /** Stable name of the check, e.g. `credentials-mode`, for scripts reading --json. */
  readonly check: string;
  readonly status: CheckStatus;
  readonly message: string;
  /** One concrete next step; present for every warn and fail. */
  readonly fix: string | null;
}

export function result(check: string, status: CheckStatus, message: string, fix?: string): CheckResult {
  return { check, status, message, fix: fix ?? null };
}

export function isProblem(check: CheckResult): boolean {
  return check.status === 'warn' || check.status === 'fail';
}
