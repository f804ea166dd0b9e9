/**
 * The IAM policies that make MFA mandatory, as documents filled with what is known of the account and
 * the user. Where the user is not known, IAM's own policy variable `${aws:username}` stands for
 * "the user making the request", and `*` for the account in ARNs that allow it, so that the document is
 * still complete and valid as printed.
 *
 * The conditions follow IAM's rules for aws:MultiFactorAuthPresent: requests signed with long-term keys
 * carry no such key at all, so a Deny tests it with BoolIfExists (absent counts as "no MFA"), and an
 * Allow with Bool (absent never matches).
 */

export const POLICY_KINDS = ['mfa-boundary', 'deny-without-mfa', 'mfa-role-trust'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

export interface PolicySubject {
  readonly partition: string;
  /** The IAM user's account, when known. */
  readonly account: string | undefined;
  /** The IAM user, when known: its name and path (`/` or `/team/`). */
  readonly user: { readonly name: string; readonly path: string } | undefined;
}

export interface TrustOptions {
  /** Seconds since the MFA sign-in after which the role may no longer be assumed. */
  readonly maxAgeSeconds: number | undefined;
}

type Condition = Record<string, Record<string, string>>;

interface Statement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal?: { AWS: string };
  Action?: string | string[];
  NotAction?: string[];
  Resource?: string | string[];
  Condition?: Condition;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

const MFA_PRESENT: Condition = { Bool: { 'aws:MultiFactorAuthPresent': 'true' } };
const MFA_ABSENT: Condition = { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } };

/** What a user must be able to do before having MFA: see, create, enable and resync their own device. */
const ENROL_ACTIONS = ['iam:EnableMFADevice', 'iam:GetMFADevice', 'iam:GetUser', 'iam:ListMFADevices', 'iam:ResyncMFADevice'];

/** The ARN of the user these policies are about: the named user, or whoever makes the request. */
function userArn(subject: PolicySubject): string {
  const account = subject.account ?? '*';
  if (subject.user === undefined) return `arn:${subject.partition}:iam::${account}:user/\${aws:username}`;
  return `arn:${subject.partition}:iam::${account}:user${subject.user.path}${subject.user.name}`;
}

/** Virtual devices may be given any name when they are created, so creating one is allowed by account. */
function deviceArns(subject: PolicySubject): string {
  return `arn:${subject.partition}:iam::${subject.account ?? '*'}:mfa/*`;
}

/** The statements that let a user without MFA get MFA: a new device, and a session with it. */
function enrolment(subject: PolicySubject): Statement[] {
  return [
    { Sid: 'ListVirtualMfaDevices', Effect: 'Allow', Action: 'iam:ListVirtualMFADevices', Resource: '*' },
    { Sid: 'CreateOwnVirtualMfaDevice', Effect: 'Allow', Action: 'iam:CreateVirtualMFADevice', Resource: deviceArns(subject) },
    { Sid: 'EnableAndSyncOwnMfaDevice', Effect: 'Allow', Action: ENROL_ACTIONS, Resource: userArn(subject) },
  ];
}

/**
 * A permissions boundary: it grants nothing by itself, and caps whatever the user's own policies allow
 * to requests made with MFA, apart from setting up a device and asking STS for an MFA session.
 */
export function mfaBoundary(subject: PolicySubject): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'EverythingOnlyWithMfa', Effect: 'Allow', Action: '*', Resource: '*', Condition: MFA_PRESENT },
      ...enrolment(subject),
      { Sid: 'MfaSessionWithoutMfa', Effect: 'Allow', Action: 'sts:GetSessionToken', Resource: '*' },
    ],
  };
}

/**
 * An identity policy for users or groups: without MFA, everything is denied but setting up one's own
 * device and GetSessionToken; with MFA, the user's other policies apply as they are. Removing one's own
 * device needs MFA, so a stolen key cannot swap the device.
 */
export function denyWithoutMfa(subject: PolicySubject): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      ...enrolment(subject),
      { Sid: 'DeactivateOwnMfaDeviceOnlyWithMfa', Effect: 'Allow', Action: 'iam:DeactivateMFADevice', Resource: userArn(subject), Condition: MFA_PRESENT },
      {
        Sid: 'DenyAllExceptListedIfNoMfa',
        Effect: 'Deny',
        NotAction: ['iam:CreateVirtualMFADevice', ...ENROL_ACTIONS, 'iam:ListVirtualMFADevices', 'sts:GetSessionToken'].sort(),
        Resource: '*',
        Condition: MFA_ABSENT,
      },
    ],
  };
}

/**
 * A role's trust policy: the user (or, when no user is named, any principal of the account that its
 * own policies allow to) may assume the role only with an MFA session, and with --max-age only for
 * that long after typing the code.
 */
export function mfaRoleTrust(subject: PolicySubject & { account: string }, options: TrustOptions): PolicyDocument {
  const principal = subject.user === undefined ? `arn:${subject.partition}:iam::${subject.account}:root` : userArn(subject);
  const condition: Condition = { ...MFA_PRESENT };
  if (options.maxAgeSeconds !== undefined) condition.NumericLessThan = { 'aws:MultiFactorAuthAge': String(options.maxAgeSeconds) };
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'AssumeOnlyWithMfa', Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole', Condition: condition }],
  };
}
