/**
 * What the emulated STS knows: the configured users and roles, the sessions it has issued, and the
 * MFA codes it has already accepted. Everything secret it issues comes from crypto randomness.
 */
import { createHash, randomBytes } from 'node:crypto';
import { MFA_CODE_INVALID_MESSAGE, MFA_SERIAL_INVALID_MESSAGE, accessDenied } from './errors.js';
import type { EmulatorOptions, EmulatorRole, EmulatorUser } from './options.js';
import { base32Decode, base32Encode, matchingSteps, totpCode } from './totp.js';

export const DEFAULT_ROLE_MAX_SESSION_SECONDS = 3600;

export interface Role {
  readonly arn: string;
  readonly accountId: string;
  /** The last segment of the role's path: what assumed-role ARNs carry. */
  readonly name: string;
  /** AROA…, stable for the emulator's lifetime. */
  readonly roleId: string;
  readonly requireMfa: boolean;
  readonly externalId: string | undefined;
  readonly maxSessionDurationSeconds: number;
  readonly trustedAccountIds: ReadonlySet<string>;
}

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiresAtMs: number;
}

export interface Session extends Credentials {
  /** The IAM user at the start of the chain of sessions. */
  readonly user: EmulatorUser;
  /** Whether MFA was presented for this session or, when chained, for the session it came from. */
  readonly mfa: boolean;
  /** Present for sessions from AssumeRole. */
  readonly assumedRole?: { readonly role: Role; readonly sessionName: string };
}

/** Who signed a request. */
export type Caller = { readonly kind: 'user'; readonly user: EmulatorUser } | { readonly kind: 'session'; readonly session: Session };

export interface Identity {
  readonly arn: string;
  readonly userId: string;
  readonly accountId: string;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]+)$/;

/** A stable IAM-style unique id (AIDA…, AROA…) derived from what it names. */
function uniqueId(prefix: string, name: string): string {
  return prefix + base32Encode(createHash('sha256').update(name).digest()).slice(0, 17);
}

function randomKeyId(): string {
  return 'ASIA' + base32Encode(randomBytes(10)).slice(0, 16);
}

function randomSecret(): string {
  return randomBytes(30).toString('base64');
}

function randomSessionToken(): string {
  return randomBytes(240).toString('base64');
}

export function userArn(user: EmulatorUser): string {
  return user.root ? `arn:aws:iam::${user.accountId}:root` : `arn:aws:iam::${user.accountId}:user/${user.userName}`;
}

export function userId(user: EmulatorUser): string {
  return user.root ? user.accountId : uniqueId('AIDA', `${user.accountId}:${user.userName}`);
}

export function assumedRoleArn(role: Role, sessionName: string): string {
  return `arn:aws:sts::${role.accountId}:assumed-role/${role.name}/${sessionName}`;
}

export function callerIdentity(caller: Caller): Identity {
  if (caller.kind === 'session' && caller.session.assumedRole) {
    const { role, sessionName } = caller.session.assumedRole;
    return { arn: assumedRoleArn(role, sessionName), userId: `${role.roleId}:${sessionName}`, accountId: role.accountId };
  }
  const user = caller.kind === 'user' ? caller.user : caller.session.user;
  return { arn: userArn(user), userId: userId(user), accountId: user.accountId };
}

export class EmulatorState {
  private readonly usersByKey = new Map<string, EmulatorUser>();
  private readonly roles = new Map<string, Role>();
  private readonly sessions = new Map<string, Session>();
  private readonly deviceSecrets = new Map<string, string>();
  /** Per MFA device, the newest 30-second step whose code was accepted: codes of that step or older are spent. */
  private readonly lastAcceptedStep = new Map<string, number>();

  /** Told of each session as it is issued. */
  onIssue: ((session: Credentials) => void) | undefined;

  constructor(options: EmulatorOptions) {
    for (const user of options.users) this.addUser(user);
    const defaultTrusted = new Set([
      ...options.users.map((u) => u.accountId),
      ...(options.roles ?? []).map((r) => ROLE_ARN.exec(r.arn)?.[1] ?? ''),
    ]);
    defaultTrusted.delete('');
    for (const role of options.roles ?? []) this.addRole(role, defaultTrusted);
  }

  private addUser(user: EmulatorUser): void {
    if (!/^\d{12}$/.test(user.accountId)) throw new Error(`emulator user ${user.userName}: accountId must be 12 digits`);
    if (!user.accessKeyId || !user.secretAccessKey) throw new Error(`emulator user ${user.userName}: needs an access key`);
    if (this.usersByKey.has(user.accessKeyId)) throw new Error(`emulator: access key ${user.accessKeyId} is configured twice`);
    if ((user.mfaSerial === undefined) !== (user.totpSecret === undefined)) {
      throw new Error(`emulator user ${user.userName}: mfaSerial and totpSecret go together`);
    }
    if (user.mfaSerial !== undefined && user.totpSecret !== undefined) {
      base32Decode(user.totpSecret); // fails early on a secret that is not base32
      const known = this.deviceSecrets.get(user.mfaSerial);
      if (known !== undefined && known !== user.totpSecret) {
        throw new Error(`emulator: MFA device ${user.mfaSerial} is configured with two secrets`);
      }
      this.deviceSecrets.set(user.mfaSerial, user.totpSecret);
    }
    this.usersByKey.set(user.accessKeyId, user);
  }

  private addRole(role: EmulatorRole, defaultTrusted: ReadonlySet<string>): void {
    const m = ROLE_ARN.exec(role.arn);
    if (!m) throw new Error(`emulator: not a role ARN: ${role.arn}`);
    const max = role.maxSessionDurationSeconds ?? DEFAULT_ROLE_MAX_SESSION_SECONDS;
    if (!Number.isInteger(max) || max < 3600 || max > 43200) {
      throw new Error(`emulator role ${role.arn}: maxSessionDurationSeconds must be 3600..43200`);
    }
    this.roles.set(role.arn, {
      arn: role.arn,
      accountId: m[1]!,
      name: m[3]!,
      roleId: uniqueId('AROA', role.arn),
      requireMfa: role.requireMfa ?? false,
      externalId: role.externalId,
      maxSessionDurationSeconds: max,
      trustedAccountIds: new Set(role.trustedAccountIds ?? defaultTrusted),
    });
  }

  /** Whoever holds this key id: a configured user, an issued session, or nobody. */
  caller(accessKeyId: string): Caller | undefined {
    const user = this.usersByKey.get(accessKeyId);
    if (user) return { kind: 'user', user };
    const session = this.sessions.get(accessKeyId);
    return session ? { kind: 'session', session } : undefined;
  }

  secretOf(caller: Caller): string {
    return caller.kind === 'user' ? caller.user.secretAccessKey : caller.session.secretAccessKey;
  }

  /** Every session issued so far, oldest first (tests look for their secrets where they must not be). */
  issuedSessions(): Credentials[] {
    return [...this.sessions.values()];
  }

  role(arn: string): Role | undefined {
    return this.roles.get(arn);
  }

  issueSession(fields: Omit<Session, keyof Credentials>, expiresAtMs: number): Session {
    let accessKeyId = randomKeyId();
    while (this.sessions.has(accessKeyId) || this.usersByKey.has(accessKeyId)) accessKeyId = randomKeyId();
    const session: Session = {
      ...fields,
      accessKeyId,
      secretAccessKey: randomSecret(),
      sessionToken: randomSessionToken(),
      expiresAtMs,
    };
    this.sessions.set(accessKeyId, session);
    this.onIssue?.(session);
    return session;
  }

  /** The device's code at a moment; throws for a device the emulator does not know. */
  code(mfaSerial: string, epochSeconds: number): string {
    const secret = this.deviceSecrets.get(mfaSerial);
    if (secret === undefined) throw new Error(`emulator: no MFA device ${mfaSerial}`);
    return totpCode(secret, epochSeconds);
  }

  /**
   * Accepts `code` for `user`'s device `serial` at `nowMs` (±1 step of 30 s) and spends it, or throws
   * AccessDenied as AWS does: for a device that is not the user's, or a wrong or already used code.
   */
  acceptMfaCode(user: EmulatorUser, serial: string, code: string, nowMs: number): void {
    if (user.mfaSerial === undefined || user.totpSecret === undefined || user.mfaSerial !== serial) {
      throw accessDenied(MFA_SERIAL_INVALID_MESSAGE);
    }
    const spent = this.lastAcceptedStep.get(serial) ?? -1;
    const fresh = matchingSteps(user.totpSecret, code, nowMs / 1000).filter((step) => step > spent);
    if (fresh.length === 0) throw accessDenied(MFA_CODE_INVALID_MESSAGE);
    this.lastAcceptedStep.set(serial, Math.max(...fresh));
  }
}
