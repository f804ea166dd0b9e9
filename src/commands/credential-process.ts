import { closeSync, openSync } from 'node:fs';
import { WriteStream } from 'node:tty';
import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { loadProfiles } from '../aws/profiles.js';
import { AwsmfaError } from '../errors.js';
import { askCodeOnTerminal, obtainCode, type CodeRequest } from '../mfa/code.js';
import { NoTerminalError } from '../mfa/prompt.js';
import { SessionCache } from '../session/cache.js';
import { rfc3339 } from '../session/environment.js';
import { obtainSession } from '../session/sessions.js';
import { platform } from '../platform/index.js';
import { AwsmfaCommand } from './base.js';
import { durationOption } from './options.js';

function noTerminal(profile: string): AwsmfaError {
  return new AwsmfaError(`an MFA code is needed for [${profile}], and there is no terminal to ask for it on`, {
    hint: `Start the session once from a terminal (\`awsmfa env ${profile}\`) so that it is cached, or set mfa_process in [${profile}].`,
  });
}

/**
 * The AWS CLI and botocore capture a credential_process's stderr and show it only when the process
 * fails, so a question asked there would never be seen: it is written to the terminal itself.
 */
async function codeOnTerminal(request: CodeRequest): Promise<string> {
  if (request.flag !== undefined || request.mfaProcess !== undefined) return obtainCode(request);
  let fd: number;
  try {
    // Read access too: Windows asks the console's mode (GetConsoleMode) to know it is a terminal, which
    // a handle opened for writing alone may not do.
    fd = openSync(platform.terminalOutput, 'r+');
  } catch {
    throw noTerminal(request.profile);
  }
  let terminal: WriteStream;
  try {
    terminal = new WriteStream(fd);
  } catch {
    closeSync(fd);
    throw noTerminal(request.profile);
  }
  try {
    return await askCodeOnTerminal(`awsmfa: MFA code for ${request.serial} ([${request.profile}]): `, terminal);
  } catch (error) {
    if (error instanceof NoTerminalError) throw noTerminal(request.profile);
    throw error;
  } finally {
    terminal.destroy();
  }
}

export class CredentialProcessCommand extends AwsmfaCommand {
  static override paths = [['credential-process']];

  static override usage = Command.Usage({
    description: 'print the session as credential_process JSON, for the AWS CLI and SDKs',
    details: `
      Prints \`{"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}\` for the profile, from the cache or with a new MFA code (asked on the terminal, or taken from the profile's \`mfa_process\`). Put it in a profile of its own in ~/.aws/config, and every tool that reads that profile uses awsmfa's sessions.

      Give \`credential_process\` a profile of its own (e.g. \`[profile doug-mfa]\`): in the profile that holds the long-term keys, the AWS CLI would use those keys and never run it.
    `,
    examples: [
      ['Print the JSON that `credential_process = awsmfa credential-process doug` in a [profile doug-mfa] hands to the AWS CLI', 'awsmfa credential-process doug'],
    ],
  });

  profileName = Option.String({ name: 'profile' });
  duration = durationOption();

  async run(): Promise<void> {
    const env = this.context.env;
    const { session } = await obtainSession(
      { profile: this.profileName, tokenCode: undefined, durationSeconds: this.duration, force: false },
      { profiles: await loadProfiles(env), cache: SessionCache.forEnvironment(env), env, stderr: this.context.stderr, codeSource: codeOnTerminal },
    );
    const output = {
      Version: 1,
      AccessKeyId: session.accessKeyId,
      SecretAccessKey: session.secretAccessKey,
      SessionToken: session.sessionToken,
      Expiration: rfc3339(session.expiration),
    };
    this.context.out.write(`${JSON.stringify(output)}\n`);
  }
}
