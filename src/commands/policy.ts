import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { loadProfiles } from '../aws/profiles.js';
import { AwsmfaError } from '../errors.js';
import { say } from '../output.js';
import { POLICY_KINDS, denyWithoutMfa, mfaBoundary, mfaRoleTrust, type PolicyDocument, type PolicyKind, type PolicySubject } from '../policy/documents.js';
import { explainPolicy } from '../policy/explain.js';
import { parseAccount, parseUser, subjectOfProfile } from '../policy/subject.js';
import { AwsmfaCommand } from './base.js';

/** The longest an MFA session can be (GetSessionToken's 36 hours): a larger age would never be reached. */
const MAX_AGE_LIMIT = 129_600;

export class PolicyCommand extends AwsmfaCommand {
  static override paths = [['policy']];

  static override usage = Command.Usage({
    description: 'print an IAM policy that makes MFA mandatory, filled with the account and user',
    details: `
      Prints the policy as JSON on stdout and, on stderr, a paragraph on where to attach it. The kinds:

      - \`mfa-boundary\`: a permissions boundary that allows everything only with MFA (aws:MultiFactorAuthPresent), except setting up one's own MFA device and sts:GetSessionToken.
      - \`deny-without-mfa\`: an identity policy that denies everything but those actions while MFA is absent (BoolIfExists), and lets users manage their own device.
      - \`mfa-role-trust\`: a role's trust policy that lets the user (or the account) assume the role only with MFA; \`--max-age\` also limits how long after the code (aws:MultiFactorAuthAge).

      The account and user come from \`--profile\` (the profile's keys are asked about with GetCallerIdentity, which needs no permission and no MFA) or from \`--account\` and \`--user\`, which win. Without a user, the policies use IAM's variable \${aws:username}, the user making the request.
    `,
    examples: [
      ['The boundary for the user of profile work', 'awsmfa policy mfa-boundary --profile work > boundary.json'],
      ['The deny policy for any user of an account, for a group', 'awsmfa policy deny-without-mfa --account 123456789012'],
      ['A trust policy for a role in another account, MFA at most an hour old', 'awsmfa policy mfa-role-trust --account 111122223333 --user doug --role-account 444455556666 --max-age 3600'],
    ],
  });

  kind = Option.String({ name: 'kind', validator: t.isEnum(POLICY_KINDS) });
  profileOption = Option.String('--profile,-p', { description: 'Fill in the account and user of this profile\'s keys (asks GetCallerIdentity)' });
  account = Option.String('--account', { description: 'The IAM user\'s account ID (12 digits)' });
  user = Option.String('--user', { description: 'The IAM user name (with its path, if any: team/doug)' });
  roleAccount = Option.String('--role-account', { description: 'mfa-role-trust: the account the role is in, when not the user\'s' });
  roleName = Option.String('--role-name', { description: 'mfa-role-trust: the role\'s name, for the commands in the explanation (default: mfa-role)' });
  maxAge = Option.String('--max-age', {
    description: 'mfa-role-trust: the most seconds since the MFA code was typed (aws:MultiFactorAuthAge)',
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(1, MAX_AGE_LIMIT)]),
  });

  async run(): Promise<void> {
    const kind: PolicyKind = this.kind;
    if (kind !== 'mfa-role-trust') {
      const misplaced = (['--role-account', '--role-name', '--max-age'] as const).find((flag, index) => [this.roleAccount, this.roleName, this.maxAge][index] !== undefined);
      if (misplaced !== undefined) throw new AwsmfaError(`${misplaced} is for mfa-role-trust only`, { hint: `Leave it out of awsmfa policy ${kind}.` });
    }
    const subject = await this.subject();
    let document: PolicyDocument;
    if (kind === 'mfa-boundary') document = mfaBoundary(subject);
    else if (kind === 'deny-without-mfa') document = denyWithoutMfa(subject);
    else {
      if (subject.account === undefined) {
        throw new AwsmfaError('mfa-role-trust needs the account of the users who may assume the role', {
          hint: 'Pass --account 123456789012 (and --user NAME for one user), or --profile NAME to take them from a profile.',
        });
      }
      document = mfaRoleTrust({ ...subject, account: subject.account }, { maxAgeSeconds: this.maxAge });
    }
    this.context.out.write(`${JSON.stringify(document, null, 2)}\n`);
    const explanation = explainPolicy(kind, {
      subject,
      roleAccount: this.roleAccount === undefined ? undefined : parseAccount(this.roleAccount, '--role-account'),
      roleName: this.roleName ?? 'mfa-role',
      maxAgeSeconds: this.maxAge,
    });
    // A blank line sets the explanation apart from the line about the profile, when there is one.
    this.context.stderr.write(`${this.profileOption === undefined ? '' : '\n'}${explanation}\n`);
  }

  private async subject(): Promise<PolicySubject> {
    const account = this.account === undefined ? undefined : parseAccount(this.account, '--account');
    const user = this.user === undefined ? undefined : parseUser(this.user);
    if (this.roleAccount !== undefined) parseAccount(this.roleAccount, '--role-account');
    if (this.roleName !== undefined && !/^[\w+=,.@-]{1,64}$/.test(this.roleName)) {
      throw new AwsmfaError(`--role-name ${JSON.stringify(this.roleName)} is not a role name`, { hint: 'Use up to 64 letters, digits and + = , . @ _ -.' });
    }
    if (this.profileOption === undefined) return { partition: 'aws', account, user };
    const fromProfile = await subjectOfProfile(await loadProfiles(this.context.env), this.profileOption, this.context.env);
    say(`[${this.profileOption}]'s key belongs to ${fromProfile.arn}`, this.context.stderr);
    return { partition: fromProfile.partition, account: account ?? fromProfile.account, user: user ?? fromProfile.user };
  }
}
