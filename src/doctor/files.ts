/**
 * The AWS config files: found, readable, and not open to others. The credentials file holds long-term
 * keys; the config file can name commands (mfa_process, credential_process) that run as the user, so
 * a config file others can write to is as dangerous as a credentials file others can read.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { ProfileFiles } from '../aws/profiles.js';
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
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (uid !== undefined && info.uid !== uid && uid !== 0) {
    problems.push(result(`${what}-owner`, 'warn', `${what} file ${path} belongs to another user (uid ${info.uid})`, `Make it yours: sudo chown $(id -u) ${path}`));
  }
  if (what === 'credentials' && (info.mode & 0o077) !== 0) {
    problems.push(
      result('credentials-mode', 'warn', `credentials file ${path} is readable by other users (mode ${octal(info.mode)}); it holds long-term keys`, `chmod 600 ${path}`),
    );
  }
  if (what === 'config' && (info.mode & 0o022) !== 0) {
    problems.push(
      result('config-mode', 'warn', `config file ${path} is writable by other users (mode ${octal(info.mode)}); they could make mfa_process run anything as you`, `chmod go-w ${path}`),
    );
  }
  const results =
    problems.length > 0
      ? problems
      : [result(id, 'ok', what === 'credentials' ? `credentials file ${path} is readable and private to you (mode ${octal(info.mode)})` : `config file ${path} is readable`)];
  return { results, exists: true };
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
