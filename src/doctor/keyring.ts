/**
 * For a profile whose secret is in the OS keyring: the keyring answers and holds the secret, and no
 * plaintext copy of it is left in the credentials file.
 */
import { KEYRING_SETTING, keyringName } from '../aws/keyring.js';
import type { ProfileSet, ResolvedProfile } from '../aws/profiles.js';
import { AwsmfaError } from '../errors.js';
import { maskKeyId } from './profiles.js';
import { result, type CheckResult } from './report.js';

export function checkKeyring(profiles: ProfileSet, profile: ResolvedProfile): CheckResult[] {
  const { keys } = profile;
  if (keys.inKeyring !== true) return [];
  const results: CheckResult[] = [];
  try {
    // Reading the secret is the check: the binding loads, the keyring answers, the entry is there.
    void keys.secretAccessKey;
    results.push(result('keyring', 'ok', `[${keys.profile}]: the secret of ${maskKeyId(keys.accessKeyId)} is in ${keyringName()} (service awsmfa)`));
  } catch (error) {
    if (!(error instanceof AwsmfaError)) throw error;
    results.push(result('keyring', 'fail', `[${keys.profile}]: ${error.message}`, error.hint ?? `awsmfa setup ${keys.profile} --store file`));
  }
  // The AWS CLI sees an access key id without its secret, and says so in words that sound like a fault.
  results.push(
    result(
      'keyring-aws-cli',
      'info',
      `[${keys.profile}]: the AWS CLI and SDKs do not read ${keyringName()}, so plain \`aws --profile ${keys.profile}\` reports "Partial credentials found in shared-credentials-file, missing: aws_secret_access_key"; that is expected: use awsmfa use ${profile.name}, awsmfa exec ${profile.name} -- aws …, or credential_process = awsmfa credential-process ${profile.name}`,
    ),
  );
  const copy = profiles.setting(keys.profile, 'aws_secret_access_key');
  if (copy !== undefined) {
    results.push(
      result(
        'keyring-copy',
        'warn',
        `[${keys.profile}] has ${KEYRING_SETTING} = true, but ${copy.file} still holds a secret for it in plain text (the keyring's is used)`,
        `Run awsmfa setup ${keys.profile} --store keyring to check the keyring and remove the copy from the file, or --store file to stop using the keyring.`,
      ),
    );
  }
  return results;
}
