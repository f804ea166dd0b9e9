import { rmdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { KeyringError, keyringName } from '../aws/keyring.js';
import { loadProfiles } from '../aws/profiles.js';
import { AwsmfaError } from '../errors.js';
import { say } from '../output.js';
import { SessionCache } from '../session/cache.js';
import { configSectionName, parseProfileName } from '../setup/answers.js';
import { currentProfile, type CurrentProfile } from '../setup/current.js';
import { gatherProfile, storeName } from '../setup/flow.js';
import { Terminal } from '../setup/terminal.js';
import { moveSecret, removeKeys, writeProfile } from '../setup/write.js';
import { AwsmfaCommand } from './base.js';

/** Reads the secret piped in: its first line, as `aws configure` users keep it in a password manager. */
async function readSecretFromStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  stdin.setEncoding('utf8');
  for await (const chunk of stdin) {
    text += chunk as string;
    if (text.length > 4096) break;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line.trim() === '') {
    throw new AwsmfaError('--secret-stdin was given, but standard input holds no secret', {
      hint: "Pipe it in, e.g. pass show aws/work | awsmfa setup work --secret-stdin (never put the secret on the command line).",
    });
  }
  return line;
}

/** Whether the keyring gives the profile's secret now (if not, the setup that follows says why and asks for it). */
function keyringAnswers(current: CurrentProfile): boolean {
  try {
    current.secret();
    return true;
  } catch (error) {
    if (!(error instanceof KeyringError)) throw error;
    return false;
  }
}

/** The directories on the way to `dir` that do not exist yet, deepest first. */
async function missingDirectories(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let path = dir; ; path = dirname(path)) {
    if (await stat(path).then(() => true, () => false)) return missing;
    missing.push(path);
    if (dirname(path) === path) return missing;
  }
}

/** A setup that wrote nothing leaves nothing: the cache directories made for a session it never got go too. */
async function removeIfEmpty(directories: readonly string[]): Promise<void> {
  for (const directory of directories) {
    // rmdir removes only an empty directory: anything another run put there stays.
    if (!(await rmdir(directory).then(() => true, () => false))) return;
  }
}

export class SetupCommand extends AwsmfaCommand {
  static override paths = [['setup']];

  static override usage = Command.Usage({
    description: 'set up a profile from an access key and an MFA device, checked with AWS before anything is written',
    details: `
      Asks on the terminal for the IAM user's access key ID and secret (not echoed), checks them with GetCallerIdentity right away, asks for the region, proposes the MFA device ARN of that user (Enter accepts it), asks for the session duration, then for an MFA code, which it proves with a real GetSessionToken. On a terminal, an answer AWS refuses (the key, the secret, the device or the code) is asked for again, alone. Only when every answer is good does it write \`[profile NAME]\` (mfa_serial, region, duration_seconds) to ~/.aws/config and the key to ~/.aws/credentials, changing nothing else in either file (atomically; the credentials file is made 0600). The session is cached, so \`awsmfa use NAME\` right after needs no second code. Ctrl-C at any question writes nothing.

      Run it again on the same profile to change it: the current values are proposed in brackets, and the section is edited in place. Every answer can also be given as a flag (the secret only on standard input, with \`--secret-stdin\`); with \`--yes\`, or with no terminal, nothing is asked and the current or proposed values are taken (the MFA code is still asked on the terminal unless \`--token-code\` or the profile's \`mfa_process\` gives it).

      \`--store keyring\` keeps the secret in the OS keyring (the macOS Keychain, the Windows Credential Manager, or a Secret Service such as GNOME Keyring on Linux) instead of the credentials file, which then holds only the access key ID; \`awsmfa_keyring = true\` in the profile says so (the AWS CLI ignores it). On a profile that is already set up, \`--store keyring\` or \`--store file\` alone moves the secret there and changes nothing else. \`--remove-keys\` deletes the profile's keys from the keyring and the files, and leaves the rest of the profile.
    `,
    examples: [
      ['Set up the profile work, answering on the terminal', 'awsmfa setup work'],
      ['Keep the secret in the OS keyring', 'awsmfa setup work --store keyring'],
      ['Move the secret of an existing profile back to ~/.aws/credentials', 'awsmfa setup work --store file'],
      ['Without questions, the secret from a password manager', 'pass show aws/work | awsmfa setup work --access-key-id AKIAIOSFODNN7EXAMPLE --secret-stdin --region eu-west-1 --token-code 123456 --yes'],
      ['Forget the profile\'s long-term keys', 'awsmfa setup work --remove-keys'],
    ],
  });

  profileName = Option.String({ name: 'profile' });
  accessKeyId = Option.String('--access-key-id', { description: "The IAM user's access key ID (AKIA…)" });
  secretStdin = Option.Boolean('--secret-stdin', false, { description: 'Read the secret access key from the first line of standard input' });
  mfaSerial = Option.String('--mfa-serial', { description: 'The MFA device ARN (default: the one named after the user, arn:aws:iam::ACCOUNT:mfa/USER)' });
  tokenCode = Option.String('--token-code,-c', { description: 'The six-digit MFA code that proves the device (default: asked on the terminal)' });
  region = Option.String('--region', { description: 'The region for the profile (default: its current one, else asked)' });
  duration = Option.String('--duration,-d', { description: 'Session length: seconds, or e.g. 12h (default: the current one, else 12h)' });
  store = Option.String('--store', { description: 'Where the secret is kept: file (~/.aws/credentials) or keyring (the OS keyring)', validator: t.isEnum(['file', 'keyring'] as const) });
  removeKeys = Option.Boolean('--remove-keys', false, { description: "Delete the profile's long-term keys from the keyring and the files; keep the rest" });
  yes = Option.Boolean('--yes,-y', false, { description: 'Ask nothing: take the current or proposed value of every answer not given as a flag' });

  async run(): Promise<number | void> {
    const name = parseProfileName(this.profileName);
    const stderr = this.context.stderr;
    const answerFlags = [this.accessKeyId, this.mfaSerial, this.tokenCode, this.region, this.duration].some((flag) => flag !== undefined) || this.secretStdin;
    // Until the files are written, Ctrl-C (a SIGINT while no raw-mode prompt is up) leaves with nothing written.
    let committing = false;
    const onInterrupt = () => {
      if (committing) return;
      stderr.write('\n');
      say('interrupted; nothing was written', stderr);
      // Ended by the signal itself, as if awsmfa had installed no handler, so that a calling script stops too.
      process.removeListener('SIGINT', onInterrupt);
      process.kill(process.pid, 'SIGINT');
    };
    process.on('SIGINT', onInterrupt);
    // The terminal is opened also with --yes: the MFA code is still asked there when no flag gives it.
    const tty = await Terminal.open(stderr);
    const terminal = this.yes ? undefined : tty;
    try {
      const profiles = await loadProfiles(this.context.env);
      const current = currentProfile(profiles, name);

      if (this.removeKeys) {
        if (answerFlags || this.store !== undefined) throw new AwsmfaError('--remove-keys takes no other flags', { hint: `Run awsmfa setup ${name} --remove-keys alone.` });
        if (current.accessKeyId === undefined && current.store === undefined) {
          say(`[${name}] has no long-term keys; nothing to remove`, stderr);
          return;
        }
        committing = true;
        for (const line of await removeKeys(current, profiles)) say(line, stderr);
        say(`the keys of [${name}] are gone; run awsmfa setup ${name} to put new ones in (cached sessions stay until they expire: awsmfa clear ${name})`, stderr);
        return;
      }

      // Moving a secret the keyring cannot give (it is gone, or locked) is a setup that asks for it instead.
      const movable = current.store !== 'keyring' || this.store !== 'file' || keyringAnswers(current);
      if (this.store !== undefined && !answerFlags && current.store !== undefined && current.mfaSerial !== undefined && movable) {
        if (current.store === this.store && !current.plaintextCopy) {
          say(`the secret of [${name}] is already in ${storeName(this.store)}; nothing to move`, stderr);
          return;
        }
        committing = true;
        for (const line of await moveSecret(current, this.store, profiles)) say(line, stderr);
        say(`[${name}] now reads its secret from ${storeName(this.store)}`, stderr);
        return;
      }

      const secret = this.secretStdin ? await readSecretFromStdin(this.context.stdin) : undefined;
      const cache = SessionCache.forEnvironment(this.context.env);
      const madeDirectories = await missingDirectories(cache.dir);
      const how = terminal === undefined ? '' : ' (Enter takes the value in brackets; Ctrl-C stops without writing anything)';
      say(`${current.exists ? 'changing' : 'setting up'} [${configSectionName(name)}]${how}`, stderr);
      let record;
      try {
        ({ record } = await gatherProfile(
          { name, accessKeyId: this.accessKeyId, secret, mfaSerial: this.mfaSerial, tokenCode: this.tokenCode, region: this.region, duration: this.duration, store: this.store },
          current,
          { env: this.context.env, stderr, terminal, canPrompt: tty !== undefined, cache, profiles },
        ));
      } catch (error) {
        await removeIfEmpty(madeDirectories);
        throw error;
      }
      committing = true;
      for (const line of await writeProfile(record, current, profiles)) say(line, stderr);
      if (record.store === 'keyring') say(`the credentials file holds no secret for [${name}]: it is in ${keyringName()}`, stderr);
      say(`[${name}] is ready. Next: awsmfa use ${name}   (without the shell integration: eval "$(awsmfa env ${name})")`, stderr);
    } catch (error) {
      if (!(error instanceof AwsmfaError) || error.exitCode !== 130) throw error;
      say('interrupted; nothing was written', stderr);
      return 130;
    } finally {
      process.removeListener('SIGINT', onInterrupt);
      await tty?.close();
    }
  }
}
