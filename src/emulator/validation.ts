/**
 * Input constraints of the STS API model, refused the way AWS refuses them: one ValidationError that
 * lists every broken constraint ("2 validation errors detected: Value '1' at 'durationSeconds' …; …").
 */
import { validationError } from './errors.js';

/** The request's parameters, by their AWS Query names (Action, DurationSeconds, …). */
export type Params = ReadonlyMap<string, string>;

export interface StringConstraint {
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** The pattern as AWS prints it in the message, e.g. '[\\d]*'. */
  readonly pattern?: string;
}

export interface IntegerConstraint {
  readonly min: number;
  readonly max: number;
}

export class ParamChecker {
  private readonly problems: string[] = [];

  constructor(private readonly params: Params) {}

  /** The parameter `name` (e.g. 'TokenCode'), checked; its member name in messages is 'tokenCode'. */
  string(name: string, constraint: StringConstraint): string | undefined {
    const member = memberName(name);
    const value = this.params.get(name);
    if (value === undefined) {
      if (constraint.required) this.problems.push(`Value null at '${member}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    const length = [...value].length;
    if (constraint.min !== undefined && length < constraint.min) {
      this.fail(value, member, `Member must have length greater than or equal to ${constraint.min}`);
    }
    if (constraint.max !== undefined && length > constraint.max) {
      this.fail(value, member, `Member must have length less than or equal to ${constraint.max}`);
    }
    if (constraint.pattern !== undefined && !new RegExp(`^(?:${constraint.pattern})$`, 'u').test(value)) {
      this.fail(value, member, `Member must satisfy regular expression pattern: ${constraint.pattern}`);
    }
    return value;
  }

  integer(name: string, constraint: IntegerConstraint): number | undefined {
    const member = memberName(name);
    const raw = this.params.get(name);
    if (raw === undefined) return undefined;
    if (!/^[+-]?\d+$/.test(raw.trim())) {
      this.fail(raw, member, 'Member must be an integer');
      return undefined;
    }
    const value = Number(raw.trim());
    if (value < constraint.min) this.fail(raw.trim(), member, `Member must have value greater than or equal to ${constraint.min}`);
    if (value > constraint.max) this.fail(raw.trim(), member, `Member must have value less than or equal to ${constraint.max}`);
    return value;
  }

  /** Throws the ValidationError if anything failed. */
  done(): void {
    const n = this.problems.length;
    if (n === 0) return;
    throw validationError(`${n} validation error${n === 1 ? '' : 's'} detected: ${this.problems.join('; ')}`);
  }

  private fail(value: string, member: string, rule: string): void {
    this.problems.push(`Value '${value}' at '${member}' failed to satisfy constraint: ${rule}`);
  }
}

function memberName(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Patterns of the STS model. */
export const PATTERNS = {
  serialNumber: '[\\w+=/:,.@-]*',
  tokenCode: '[\\d]*',
  roleSessionName: '[\\w+=,.@-]*',
  externalId: '[\\w+=,.@:\\/-]*',
} as const;
