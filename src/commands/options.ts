/** Options several commands share, declared once so that --help and completions agree. */
import { Option } from 'clipanion';
import * as t from 'typanion';

/** The word help shows for each option's value (clipanion itself would show `#0`). */
export const VALUE_NAMES: Readonly<Record<string, string>> = {
  '--shell': 'SHELL',
  '--token-code': 'CODE',
  '--duration': 'SECONDS',
  '--max-age': 'SECONDS',
  '--profile': 'PROFILE',
  '--to-profile': 'PROFILE',
  '--access-key-id': 'KEY_ID',
  '--mfa-serial': 'ARN',
  '--region': 'REGION',
  '--account': 'ACCOUNT',
  '--role-account': 'ACCOUNT',
  '--role-name': 'NAME',
  '--user': 'NAME',
  '--cmd': 'NAME',
  '--alias-prefix': 'PREFIX',
  '--store': 'STORE',
};

export const SHELL_CHOICES = ['bash', 'zsh', 'fish', 'pwsh', 'powershell'] as const;

export function shellOption() {
  return Option.String('--shell', {
    description: 'The shell to print code for: bash, zsh, fish or pwsh (default: detected)',
    validator: t.isEnum(SHELL_CHOICES),
  });
}

/** The options of the commands that obtain a session (env, use, exec, login, credential-process). */
export function tokenCodeOption() {
  return Option.String('--token-code,-c', { description: 'The six-digit MFA code (default: mfa_process, else asked on the terminal)' });
}

export function durationOption() {
  return Option.String('--duration,-d', {
    description: 'Session length in seconds (default: duration_seconds, else 12 hours; 1 hour for roles)',
    validator: t.cascade(t.isNumber(), [t.isInteger()]),
  });
}

export function forceOption(description = 'Get a new session even if a cached one is still valid (for a role, the role\'s; its MFA session is kept)') {
  return Option.Boolean('--force,-f', false, { description });
}

export function forceMfaOption() {
  return Option.Boolean('--force-mfa', false, { description: 'Also get a new MFA session, the one a role is assumed with (asks for a code)' });
}
