/**
 * The STS actions the emulator answers, with AWS's rules: who may call them, the durations allowed,
 * when MFA counts as present, and what a role's trust policy demands.
 */
import { MFA_CODE_INVALID_MESSAGE, MFA_SERIAL_INVALID_MESSAGE, accessDenied, validationError } from './errors.js';
import { type Caller, type EmulatorState, type Session, assumedRoleArn, callerIdentity } from './state.js';
import { PATTERNS, ParamChecker, type Params } from './validation.js';
import type { XmlValue } from './xml.js';

export interface ActionContext {
  readonly params: Params;
  readonly caller: Caller;
  readonly state: EmulatorState;
  /** The emulator's clock, epoch milliseconds. */
  readonly nowMs: number;
}

export type ActionResult = { readonly [element: string]: XmlValue };
export type ActionHandler = (context: ActionContext) => ActionResult;

export const GET_SESSION_TOKEN_LIMITS = { min: 900, max: 129600, default: 43200, rootMax: 3600 } as const;
export const ASSUME_ROLE_LIMITS = { min: 900, max: 43200, default: 3600, chainedMax: 3600 } as const;

/** AWS prints expirations without milliseconds: 2026-01-01T12:00:00Z. */
function isoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function credentialsXml(session: Session): ActionResult {
  return {
    AccessKeyId: session.accessKeyId,
    SecretAccessKey: session.secretAccessKey,
    SessionToken: session.sessionToken,
    Expiration: isoSeconds(session.expiresAtMs),
  };
}

/** SerialNumber and TokenCode, if either was given: both are needed, and the code must be fresh. */
function presentedMfa(context: ActionContext, serial: string | undefined, code: string | undefined): boolean {
  if (serial === undefined && code === undefined) return false;
  if (serial === undefined) throw accessDenied(MFA_SERIAL_INVALID_MESSAGE);
  if (code === undefined) throw accessDenied(MFA_CODE_INVALID_MESSAGE);
  const { caller } = context;
  // A role session has no MFA device of its own.
  if (caller.kind === 'session' && caller.session.assumedRole) throw accessDenied(MFA_SERIAL_INVALID_MESSAGE);
  const user = caller.kind === 'user' ? caller.user : caller.session.user;
  context.state.acceptMfaCode(user, serial, code, context.nowMs);
  return true;
}

function mfaParams(check: ParamChecker): { serial: string | undefined; code: string | undefined } {
  return {
    serial: check.string('SerialNumber', { min: 9, max: 256, pattern: PATTERNS.serialNumber }),
    code: check.string('TokenCode', { min: 6, max: 6, pattern: PATTERNS.tokenCode }),
  };
}

export const getSessionToken: ActionHandler = (context) => {
  const check = new ParamChecker(context.params);
  const requested = check.integer('DurationSeconds', GET_SESSION_TOKEN_LIMITS);
  const { serial, code } = mfaParams(check);
  check.done();

  const { caller } = context;
  if (caller.kind === 'session') throw accessDenied('Cannot call GetSessionToken with session credentials');
  const mfa = presentedMfa(context, serial, code);

  // AWS does not refuse a longer session for the root user: it shortens it to one hour.
  const limits = GET_SESSION_TOKEN_LIMITS;
  const duration = caller.user.root
    ? Math.min(requested ?? limits.rootMax, limits.rootMax)
    : (requested ?? limits.default);
  const session = context.state.issueSession({ user: caller.user, mfa }, context.nowMs + duration * 1000);
  return { Credentials: credentialsXml(session) };
};

export const assumeRole: ActionHandler = (context) => {
  const check = new ParamChecker(context.params);
  const roleArn = check.string('RoleArn', { required: true, min: 20, max: 2048 });
  const sessionName = check.string('RoleSessionName', { required: true, min: 2, max: 64, pattern: PATTERNS.roleSessionName });
  const requested = check.integer('DurationSeconds', ASSUME_ROLE_LIMITS);
  const externalId = check.string('ExternalId', { min: 2, max: 1224, pattern: PATTERNS.externalId });
  const { serial, code } = mfaParams(check);
  check.done();

  const { caller, state } = context;
  const user = caller.kind === 'user' ? caller.user : caller.session.user;
  if (user.root && !(caller.kind === 'session' && caller.session.assumedRole)) {
    throw accessDenied('Roles may not be assumed by root accounts.');
  }
  const mfaThisCall = presentedMfa(context, serial, code);
  const mfa = mfaThisCall || (caller.kind === 'session' && caller.session.mfa);

  const identity = callerIdentity(caller);
  const role = state.role(roleArn!);
  const trusted =
    role !== undefined &&
    role.trustedAccountIds.has(identity.accountId) &&
    (!role.requireMfa || mfa) &&
    (role.externalId === undefined || role.externalId === externalId);
  if (!trusted) {
    throw accessDenied(`User: ${identity.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
  }

  const duration = requested ?? ASSUME_ROLE_LIMITS.default;
  // Any temporary credentials count as a chain here, GetSessionToken's included (as AWS documents).
  if (caller.kind === 'session' && duration > ASSUME_ROLE_LIMITS.chainedMax) {
    throw validationError('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  if (duration > role.maxSessionDurationSeconds) {
    throw validationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }

  const session = state.issueSession({ user, mfa, assumedRole: { role, sessionName: sessionName! } }, context.nowMs + duration * 1000);
  return {
    Credentials: credentialsXml(session),
    AssumedRoleUser: {
      AssumedRoleId: `${role.roleId}:${sessionName}`,
      Arn: assumedRoleArn(role, sessionName!),
    },
  };
};

export const getCallerIdentity: ActionHandler = (context) => {
  const identity = callerIdentity(context.caller);
  return { UserId: identity.userId, Account: identity.accountId, Arn: identity.arn };
};

export const ACTIONS: Readonly<Record<string, ActionHandler>> = {
  GetSessionToken: getSessionToken,
  AssumeRole: assumeRole,
  GetCallerIdentity: getCallerIdentity,
};
