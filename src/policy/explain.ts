/** One paragraph per policy: what it does, where to attach it, and the commands that attach it. */
import type { PolicyKind, PolicySubject } from './documents.js';

export interface ExplainContext {
  readonly subject: PolicySubject;
  /** The account the role is created in (mfa-role-trust); the user's own when the same or unknown. */
  readonly roleAccount: string | undefined;
  readonly roleName: string;
  readonly maxAgeSeconds: number | undefined;
}

function userWords(subject: PolicySubject): { who: string; name: string } {
  if (subject.user === undefined) return { who: 'each user it is attached to (${aws:username} is IAM\'s variable for the user making the request)', name: 'USER' };
  return { who: `the user ${subject.user.name}`, name: subject.user.name };
}

export function explainPolicy(kind: PolicyKind, context: ExplainContext): string {
  const { subject } = context;
  const { who, name } = userWords(subject);
  const account = subject.account ?? 'ACCOUNT';
  switch (kind) {
    case 'mfa-boundary':
      return (
        `This is a permissions boundary for ${who}: it grants nothing by itself, but caps whatever the user's own policies allow to requests made with MFA, ` +
        `except setting up their own MFA device and calling sts:GetSessionToken, which is how awsmfa gets an MFA session. ` +
        `Create it as a managed policy and set it as the user's permissions boundary (IAM console → Users → ${name} → Permissions boundary), e.g. ` +
        `aws iam create-policy --policy-name RequireMfa --policy-document file://boundary.json && ` +
        `aws iam put-user-permissions-boundary --user-name ${name} --permissions-boundary arn:${subject.partition}:iam::${account}:policy/RequireMfa. ` +
        'The user then works through awsmfa (awsmfa use PROFILE); the keys alone, if they leak, can do nothing but set up an MFA device and ask for an MFA session ' +
        '(once every user has a device, the statements that allow setting one up without MFA can be removed, so that a leaked key cannot add a device of its own).'
      );
    case 'deny-without-mfa':
      return (
        `This identity policy denies ${who} everything except setting up their own MFA device and sts:GetSessionToken while the request carries no MFA ` +
        `(BoolIfExists, because requests signed with long-term keys carry no MFA key at all); with an MFA session, the user's other policies apply unchanged, and removing the device itself needs MFA. ` +
        `Attach it to the user or, better, to a group of all such users, e.g. aws iam create-policy --policy-name DenyAllExceptListedIfNoMFA --policy-document file://deny.json && ` +
        `aws iam attach-${subject.user === undefined ? 'group-policy --group-name GROUP' : `user-policy --user-name ${name}`} --policy-arn arn:${subject.partition}:iam::${account}:policy/DenyAllExceptListedIfNoMFA. ` +
        'An explicit Deny wins over every Allow, so it works next to whatever else is attached; once every user has a device, the statements that allow setting one up without MFA can be dropped from the NotAction list and the Allows, so that a leaked key cannot add a device of its own.'
      );
    case 'mfa-role-trust': {
      const crossAccount = context.roleAccount !== undefined && subject.account !== undefined && context.roleAccount !== subject.account;
      const whom = subject.user === undefined ? `principals of account ${account} whose own policies allow sts:AssumeRole on it` : who;
      const age = context.maxAgeSeconds === undefined ? '' : `, and no later than ${context.maxAgeSeconds} s after the MFA code was typed (aws:MultiFactorAuthAge)`;
      const roleArn = `arn:${subject.partition}:iam::${context.roleAccount ?? account}:role/${context.roleName}`;
      return (
        `This is the trust policy of a role: ${whom} may assume it only with an MFA session (aws:MultiFactorAuthPresent)${age}. ` +
        `Create the role with it${crossAccount ? ` in account ${context.roleAccount}` : ''}: aws iam create-role --role-name ${context.roleName} --assume-role-policy-document file://trust.json ` +
        `(or aws iam update-assume-role-policy --role-name ${context.roleName} --policy-document file://trust.json for an existing role), then attach the permissions the role grants. ` +
        (crossAccount
          ? `Because the role is in another account, account ${account} must also allow the user sts:AssumeRole on ${roleArn} in an identity policy. `
          : '') +
        `For awsmfa, add a profile with role_arn = ${roleArn}, source_profile = the user's profile and mfa_serial = the user's MFA device ARN, then awsmfa use it.`
      );
    }
  }
}
