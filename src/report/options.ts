/** Options of the reporting commands (status, list, clear, doctor), declared once so that --help and completions agree. */
import { Option } from 'clipanion';

export function jsonOption() {
  return Option.Boolean('--json', false, { description: 'Print stable JSON on stdout instead of text (schema in schemas/)' });
}

export function debugOption() {
  return Option.Boolean('--debug', false, { description: 'Show each STS request (secrets redacted) and stack traces on stderr' });
}

/** `--debug` means what AWSMFA_DEBUG=1 means, for this command and the STS client it loads. */
export function enableDebug(env: NodeJS.ProcessEnv, enabled: boolean): void {
  if (!enabled) return;
  env.AWSMFA_DEBUG = '1';
  process.env.AWSMFA_DEBUG = '1';
}
