/**
 * Shared by the shell integration tests: the rendered `awsmfa init` in a file a shell can source, and
 * skipping visibly when a tool the test needs is missing.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { ShellName } from '../../src/shell/dialect.js';
import { awsmfa } from './fixture.js';
import { tmuxAvailable } from './tmux.js';

export const EXTENSIONS: Readonly<Record<ShellName, string>> = { bash: 'bash', zsh: 'zsh', fish: 'fish', pwsh: 'ps1' };

/** Runs the built `awsmfa init <shell> [args]` and returns its output, failing on anything on stderr. */
export async function initCode(shell: ShellName, env: Record<string, string>, args: readonly string[] = []): Promise<string> {
  const result = await awsmfa(['init', shell, ...args], { env });
  if (result.code !== 0 || result.stderr !== '') {
    throw new Error(`awsmfa init ${shell} exited with ${result.code}\n${result.stderr}`);
  }
  return result.stdout;
}

/** Writes `awsmfa init <shell>` to a file in `dir` and returns its path. */
export async function initFile(shell: ShellName, env: Record<string, string>, dir: string, args: readonly string[] = []): Promise<string> {
  const path = join(dir, `init-${args.length}.${EXTENSIONS[shell]}`);
  await writeFile(path, await initCode(shell, env, args));
  return path;
}

export async function requireTmux(t: TestContext): Promise<boolean> {
  if (await tmuxAvailable()) return true;
  t.skip('tmux not installed');
  return false;
}

/**
 * A config and a credentials file that exercise every rule of the AWS SDK's reader that the shells'
 * own profile readers have to follow: `[profile x]` vs `[x]`, quoted names, typed sections, comments,
 * sub-sections, CRLF, names the SDK does not accept.
 */
export const TRICKY_CONFIG = [
  '# a comment',
  '[default]',
  'region = us-east-1',
  '  [profile doug]   ; indented, with a comment',
  'mfa_serial = arn:aws:iam::123456789012:mfa/doug#not-a-comment',
  '[profile "quoted"]',
  'role_arn = arn:aws:iam::123456789012:role/x',
  "[profile 'single']",
  'mfa_serial=arn:aws:iam::123456789012:mfa/single',
  '[profile  twospaces]',
  'mfa_serial = arn:aws:iam::123456789012:mfa/x',
  '[profile we$ird]',
  'mfa_serial = arn:aws:iam::123456789012:mfa/x',
  '[profile a/b]',
  'mfa_serial = arn:aws:iam::123456789012:mfa/x',
  '[sso-session corp]',
  'mfa_serial = arn:aws:iam::123456789012:mfa/x',
  '[services svc]',
  '[plain]',
  'mfa_serial = arn:aws:iam::123456789012:mfa/x',
  '[profile sub]',
  's3 =',
  '  mfa_serial = nested',
  '[profile after-sub]',
  's3 =',
  '  max_concurrent_requests = 2',
  'mfa_serial = top',
  '[profile commented]',
  ';mfa_serial = no',
  '# role_arn = no',
  'region = eu-west-1 # comment',
  '[profile trailing-cr]\r',
  'mfa_serial = arn:aws:iam::123456789012:mfa/x\r',
  '[profile empty-value]',
  'mfa_serial =',
  '[profile dot.ted]',
  'role_arn=arn:aws:iam::123456789012:role/y',
  '[profile nomfa]',
  'region = eu-west-1',
  '[profile last-no-newline]',
  'mfa_serial = arn:aws:iam::123456789012:mfa/last',
].join('\n');

export const TRICKY_CREDENTIALS = [
  '[doug]',
  'aws_access_key_id = AKIAEXAMPLE',
  '[cred only]',
  'mfa_serial = m',
  '[three word name]',
  'aws_access_key_id = AKIAEXAMPLE',
  '[profile notthis]',
  'mfa_serial = m',
  '[credmfa]',
  'mfa_serial = arn:aws:iam::123456789012:mfa/c',
  '[nomfa]',
  'aws_access_key_id = AKIAEXAMPLE',
].join('\n') + '\n';

/** What the AWS SDK's own loader makes of two files: every profile name, and those with mfa_serial or role_arn. */
export async function sdkProfiles(configFilepath: string, filepath: string): Promise<{ all: string[]; mfa: string[] }> {
  const { loadSharedConfigFiles } = await import('@smithy/shared-ini-file-loader');
  const { configFile, credentialsFile } = await loadSharedConfigFiles({ configFilepath, filepath, ignoreCache: true });
  // Typed sections other than profiles come back as `sso-session.x`, `services.x` (and `profile.x`
  // from the credentials file, where it names no profile).
  const typed = /^(profile|sso-session|services)\./;
  const sections = new Map<string, Record<string, string | undefined>[]>();
  for (const file of [configFile, credentialsFile]) {
    for (const [name, section] of Object.entries(file)) {
      if (typed.test(name)) continue;
      sections.set(name, [...(sections.get(name) ?? []), section]);
    }
  }
  const all = [...sections.keys()].sort();
  const mfa = all.filter((name) => sections.get(name)!.some((s) => s.mfa_serial !== undefined || s.role_arn !== undefined)).sort();
  return { all, mfa };
}
