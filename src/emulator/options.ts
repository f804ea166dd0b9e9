/** What the emulator is started with and what it hands back: the emulator's public types. */

export interface EmulatorUser {
  /** IAM user name, e.g. 'doug'. */
  userName: string;
  /** 12 digits. */
  accountId: string;
  /** Long-term key id, e.g. 'AKIAIOSFODNN7EXAMPLE'. */
  accessKeyId: string;
  secretAccessKey: string;
  /** The user's virtual MFA device, e.g. 'arn:aws:iam::123456789012:mfa/doug'. */
  mfaSerial?: string;
  /** Base32 secret of that device. */
  totpSecret?: string;
  /** The account's root user: GetSessionToken sessions last at most 3600 s and it cannot assume roles. */
  root?: boolean;
}

export interface EmulatorRole {
  /** 'arn:aws:iam::210987654321:role/admin' (a path such as role/team/admin is allowed). */
  arn: string;
  /** The trust policy has the condition aws:MultiFactorAuthPresent = true. */
  requireMfa?: boolean;
  /** The trust policy requires this sts:ExternalId. */
  externalId?: string;
  /** Default 3600, at most 43200. */
  maxSessionDurationSeconds?: number;
  /** Accounts the trust policy names; default: every account of the configured users and roles. */
  trustedAccountIds?: string[];
}

export interface EmulatorOptions {
  users: EmulatorUser[];
  roles?: EmulatorRole[];
  /** The emulator's clock = real clock + offset, as when the local clock is skewed; shifts the Date header too. */
  clockOffsetSeconds?: number;
  /** Default '127.0.0.1'; the port is always a random free one. */
  host?: string;
  /** The real clock, in epoch milliseconds, for tests that move time (default Date.now). */
  now?: () => number;
  /**
   * A file to append every secret to, one per line: the users' secret keys at start, then each issued
   * session's secret key and token. For checking a whole test run's output for leaks afterwards.
   */
  secretsLog?: string;
}

/** Credentials the emulator has issued. */
export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

export interface EmulatorCall {
  action: string;
  /** The key id the request claimed to be signed with, known or not; null when it named none. */
  accessKeyId: string | null;
  ok: boolean;
  errorCode?: string;
}

export interface Emulator {
  /** 'http://127.0.0.1:PORT' */
  readonly url: string;
  /** Every request, in order. */
  readonly calls: EmulatorCall[];
  /** The device's 6-digit code at the emulator's current time, or at `atEpochSeconds`. */
  code(mfaSerial: string, atEpochSeconds?: number): string;
  /** Every session issued so far, oldest first. */
  issued(): IssuedCredentials[];
  close(): Promise<void>;
}
