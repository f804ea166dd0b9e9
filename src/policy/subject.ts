/** Who a policy is written for: from flags, or from a profile's keys through GetCallerIdentity. */
import type { ProfileSet } from '../aws/profiles.js';
import { explainStsError, stsClient, stsTarget } from '../aws/sts.js';
import { AwsmfaError } from '../errors.js';
import type { PolicySubject } from './documents.js';

const ACCOUNT = /^\d{12}$/;
const USER = /^\/?((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;

export function parseAccount(value: string, flag: string): string {
  if (!ACCOUNT.test(value)) throw new AwsmfaError(`${flag} ${JSON.stringify(value)} is not an AWS account ID`, { hint: 'An account ID is 12 digits, e.g. 123456789012.' });
  return value;
}

/** `doug`, or with its IAM path, `team/doug`. */
export function parseUser(value: string): { name: string; path: string } {
  const match = USER.exec(value);
  if (match === null) throw new AwsmfaError(`--user ${JSON.stringify(value)} is not an IAM user name`, { hint: 'Use the user name (letters, digits and + = , . @ _ -), with its path if it has one: team/doug.' });
  return { name: match[2]!, path: `/${match[1]!}` };
}

/** The account and user of the profile's long-term keys, as AWS names them (GetCallerIdentity needs no permission). */
export async function subjectOfProfile(profiles: ProfileSet, name: string, env: NodeJS.ProcessEnv): Promise<PolicySubject & { arn: string }> {
  const profile = profiles.resolve(name);
  const target = stsTarget(profile, env);
  const client = await stsClient(target, { accessKeyId: profile.keys.accessKeyId, secretAccessKey: profile.keys.secretAccessKey });
  let arn: string;
  try {
    arn = (await client.getCallerIdentity()).arn ?? '';
  } catch (error) {
    throw explainStsError(error, {
      action: 'GetCallerIdentity',
      profile: name,
      keysProfile: profile.keys.profile,
      keysFile: profile.keys.file,
      serial: undefined,
      endpoint: target.endpoint ?? `https://sts.${target.region}.amazonaws.com`,
    });
  } finally {
    client.destroy();
  }
  const parsed = /^arn:(aws[\w-]*):(?:iam|sts)::(\d{12}):(.*)$/.exec(arn);
  if (parsed === null) throw new AwsmfaError(`GetCallerIdentity for [${name}] answered an ARN awsmfa cannot read: ${JSON.stringify(arn)}`);
  const user = /^user(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]+)$/.exec(parsed[3]!);
  return { arn, partition: parsed[1]!, account: parsed[2]!, user: user === null ? undefined : { name: user[2]!, path: user[1]! } };
}
