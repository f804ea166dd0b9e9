/**
 * The AWS config files: found, readable, and not open to others. The credentials file holds long-term
 * keys; the config file can name commands (mfa_process, credential_process) that run as the user, so
 * a config file others can write to is as dangerous as a credentials file others can read.
 */
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { configSectionRole } from '../aws/config-files.js';
import type { ProfileFiles, ProfileSet } from '../aws/profiles.js';
import { sectionsBreakingJsSdk } from '../aws/sdk-names.js';
import { platform } from '../platform/index.js';
import { result, type CheckResult } from './report.js';

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

async function checkFile(path: string, what: 'config' | 'credentials'): Promise<{ results: CheckResult[]; exists: boolean }> {
  const id = `${what}-file`;
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { results: [result(id, 'info', `${what} file ${path} does not exist`)], exists: false };
    return {
      results: [result(id, 'fail', `cannot look at the ${what} file ${path} (${code ?? 'unknown error'})`, `Check the file and the directories above it: ls -ld ${path}`)],
      exists: true,
    };
  }
  if (!info.isFile()) {
    return { results: [result(id, 'fail', `${what} file ${path} is not a regular file`, `Move it away and put the ${what} file there.`)], exists: true };
  }
  try {
    await access(path, constants.R_OK);
  } catch {
    return { results: [result(id, 'fail', `${what} file ${path} is not readable by you (mode ${octal(info.mode)}, owner uid ${info.uid})`, `Make it yours and readable: chmod 600 ${path}`)], exists: true };
  }
  const problems: CheckResult[] = [];
  // root may keep its files as it likes; anyone else's file in root's way is not a problem of root's.
  const owner = process.getuid?.() === 0 ? undefined : platform.foreignOwner(info);
  if (owner !== undefined) {
    problems.push(result(`${what}-owner`, 'warn', `${what} file ${path} belongs to another user (${owner})`, `Make it yours: sudo chown $(id -u) ${path}`));
  }
  const others = what === 'credentials' ? await platform.othersWithAccess(path, info) : [];
  if (others === undefined) {
    problems.push(result('credentials-mode', 'info', `credentials file ${path} is readable; its ACL could not be listed, so who else may read it is unknown`, `To make it yours alone: ${platform.privateCommand(path, false)}`));
  } else if (others.length > 0) {
    problems.push(
      result('credentials-mode', 'warn', `credentials file ${path} is readable by other users (${others.join(', ')}); it holds long-term keys`, platform.privateCommand(path, false)),
    );
  }
  if (what === 'config' && platform.writableByOthers(info)) {
    problems.push(
      result('config-mode', 'warn', `config file ${path} is writable by other users (mode ${octal(info.mode)}); they could make mfa_process run anything as you`, `chmod go-w ${path}`),
    );
  }
  problems.push(...(await checkJsSdkSections(path, what)));
  const results =
    problems.length > 0
      ? problems
      : [result(id, 'ok', what === 'credentials' ? `credentials file ${path} is readable and private to you (mode ${octal(info.mode)})` : `config file ${path} is readable`)];
  return { results, exists: true };
}

/**
 * A section the AWS SDK for JavaScript refuses makes it drop the whole file: awsmfa reads it with its
 * own reader and carries on, but every tool built on that SDK sees no profiles at all.
 */
async function checkJsSdkSections(path: string, what: 'config' | 'credentials'): Promise<CheckResult[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  return sectionsBreakingJsSdk(text).map(({ line, section }) =>
    result(
      `${what}-js-sdk`,
      'warn',
      `line ${line} of ${path} is the section [${section}], which makes the AWS SDK for JavaScript ignore every profile in the file (tools built on it, such as the CDK and Amplify, see none)`,
      `Rename or remove that section: edit line ${line} of ${path}.`,
    ),
  );
}

export async function checkFiles(files: ProfileFiles): Promise<CheckResult[]> {
  const [config, credentials] = await Promise.all([checkFile(files.configPath, 'config'), checkFile(files.credentialsPath, 'credentials')]);
  const results = [...config.results, ...credentials.results];
  if (!config.exists && !credentials.exists) {
    results.push(
      result('aws-files', 'fail', `neither ${files.configPath} nor ${files.credentialsPath} exists: there are no profiles`, 'Create a profile: aws configure --profile NAME, then add mfa_serial to it in the config file.'),
    );
  }
  return results;
}

/** Keys whose value is one word: a `#` or `;` after a space there is a comment the user meant, not part of it. */
const ONE_WORD_KEYS = new Set(['region', 'mfa_serial', 'role_arn', 'source_profile', 'aws_access_key_id', 'aws_secret_access_key', 'duration_seconds', 'endpoint_url', 'sso_session', 'services', 'output']);

/**
 * What the AWS CLI reads in a way the writer of the file most likely did not mean (it reads the file,
 * so nothing here is an error): a comment after a value, which becomes part of the value; an indented
 * line under a key, which continues its value (even a [section] header); `[DEFAULT]`, whose keys every
 * profile gets; a config section without the `profile ` prefix, which is not a profile; and a
 * credentials section with it, which is the profile "profile x".
 */
export function checkFileContents(profiles: ProfileSet): CheckResult[] {
  const reading = profiles.reading;
  if (reading === undefined) return [];
  const results: CheckResult[] = [];
  const files = [
    { path: profiles.files.configPath, parsed: reading.config, what: 'config' as const },
    { path: profiles.files.credentialsPath, parsed: reading.credentials, what: 'credentials' as const },
  ];
  for (const { path, parsed, what } of files) {
    let previous: { key: string; line: number } | undefined;
    parsed.lines().forEach((line, index) => {
      const number = index + 1;
      const at = `${path} line ${number}`;
      if (line.kind === 'option') {
        previous = { key: line.key!, line: number };
        const comment = /\s[#;]/.exec(line.value!);
        if (comment !== null && ONE_WORD_KEYS.has(line.key!)) {
          results.push(
            result(
              'config-trap',
              'warn',
              `${at}: the AWS CLI reads ${line.key} as ${JSON.stringify(line.value)}, comment included (it has no comments after a value)`,
              `Put the comment on a line of its own in ${path}: ${line.key} = ${line.value!.slice(0, comment.index)}`,
            ),
          );
        }
      } else if (line.kind === 'continuation' && previous !== undefined && ONE_WORD_KEYS.has(previous.key)) {
        results.push(
          result(
            'config-trap',
            'warn',
            `${at}: the AWS CLI reads this indented line as part of the value of ${previous.key} (line ${previous.line}) in [${line.section}]`,
            `Remove the indentation of line ${number} of ${path}.`,
          ),
        );
      } else if (line.kind === 'header') {
        previous = undefined;
        const header = line.header!;
        if (header === 'DEFAULT') {
          results.push(result('config-trap', 'warn', `${at}: the AWS CLI gives the keys of [DEFAULT] to every profile of ${path}`, `Move them into the profiles that need them, or rename [DEFAULT] if that is not meant.`));
        } else if (what === 'config' && configSectionRole(header).kind === 'other' && !/^(sso-session|services|plugins|preview|toplevel)\b/.test(header)) {
          results.push(result('config-trap', 'warn', `${at}: [${header}] is not a profile for the AWS CLI (in the config file, profiles are [profile NAME] and [default])`, `Write it as [profile ${header}] if it is meant as a profile.`));
        } else if (what === 'credentials' && /^profile\s/.test(header)) {
          results.push(result('config-trap', 'warn', `${at}: the AWS CLI reads [${header}] in the credentials file as the profile ${JSON.stringify(header)}`, `In the credentials file a profile's section is its bare name: [${header.replace(/^profile\s+/, '')}].`));
        }
      }
    });
  }
  return results;
}
