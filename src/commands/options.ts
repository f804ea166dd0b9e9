/** Options several commands share, declared once so that --help and completions agree. */
import { Option } from 'clipanion';
import * as t from 'typanion';

export const SHELL_CHOICES = ['bash', 'zsh', 'fish', 'pwsh', 'powershell'] as const;

export function shellOption() {
  return Option.String('--shell', {
    description: 'The shell to print code for: bash, zsh, fish or pwsh (default: detected)',
    validator: t.isEnum(SHELL_CHOICES),
  });
}
