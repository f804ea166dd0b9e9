import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { sectionId, updateIniFile, type IniValues } from '../aws/ini-file.js';
import { EXPIRATION_KEY, SOURCE_KEY } from '../aws/login-session.js';
import { unsafeForJsSdk } from '../aws/sdk-names.js';
import { loadProfiles, type ProfileSet } from '../aws/profiles.js';
import { AwsmfaError } from '../errors.js';
import { describeExpiry, say, warn } from '../output.js';
import { SessionCache } from '../session/cache.js';
import { rfc3339 } from '../session/environment.js';
import { platform } from '../platform/index.js';
import { obtainSession } from '../session/sessions.js';
import { configSectionName } from '../setup/answers.js';
import { AwsmfaCommand } from './base.js';
import { tokenCodeOption, durationOption, forceMfaOption, forceOption } from './options.js';

export { EXPIRATION_KEY };

/** Names that the SDK's loader reads back as the same section of the credentials file. */
const PROFILE_NAME = /^[\w.@+=,:/-]{1,128}$/;

function holdsLongTermKeys(section: Readonly<Record<string, string>> | undefined): boolean {
  return section?.aws_access_key_id !== undefined && section.aws_session_token === undefined;
}

function longTermRefusal(target: string, file: string): AwsmfaError {
  return new AwsmfaError(`[${target}] in ${file} holds long-term keys (aws_access_key_id without aws_session_token); awsmfa will not overwrite them`, {
    hint: `Choose another name with --to-profile, e.g. --to-profile ${target}-mfa.`,
  });
}

export class LoginCommand extends AwsmfaCommand {
  static override paths = [['login']];

  static override usage = Command.Usage({
    description: 'write an MFA session into ~/.aws/credentials as a profile of its own',
    details: `
      For tools that read only the credentials file: gets the session for the profile (from the cache, or with an MFA code) and writes \`aws_access_key_id\`, \`aws_secret_access_key\`, \`aws_session_token\`, \`${EXPIRATION_KEY}\` (RFC 3339, UTC) and \`${SOURCE_KEY}\` (the profile it was made from) into the section named by \`--to-profile\`, and the profile's region into \`[profile TARGET]\` of ~/.aws/config when that names none, since the AWS CLI needs one. Run it again to write the cached session again, with \`--force\` to get a new one; the section is updated in place.

      The file is replaced atomically and every other byte of it (comments, order, spacing, other profiles) stays as it was; its mode is kept (0600 for a new file). A section holding long-term keys is never overwritten, and the profile's own chain of source profiles cannot be the target.
    `,
    examples: [
      ['Write doug\'s session as the profile doug-mfa', 'awsmfa login doug --to-profile doug-mfa'],
      ['Write a one-hour session of the role admin as admin-session', 'awsmfa login admin --to-profile admin-session --duration 3600'],
    ],
  });

  profileName = Option.String({ name: 'profile' });
  toProfile = Option.String('--to-profile,-t', { required: true, description: 'The profile (section of the credentials file) to write the session to' });
  tokenCode = tokenCodeOption();
  duration = durationOption();
  force = forceOption();
  forceMfa = forceMfaOption();

  async run(): Promise<void> {
    const env = this.context.env;
    const target = this.toProfile;
    const profiles = await loadProfiles(env);
    const credentialsPath = profiles.files.credentialsPath;
    this.checkTarget(target, profiles);

    const { profile, session } = await obtainSession(
      { profile: this.profileName, tokenCode: this.tokenCode, durationSeconds: this.duration, force: this.force, forceMfa: this.forceMfa },
      { profiles, cache: SessionCache.forEnvironment(env), env, stderr: this.context.stderr },
    );
    const result = await updateIniFile(credentialsPath, target, (current) => {
      // Checked again on the file as it is now: it may have changed while the code was typed.
      if (holdsLongTermKeys(current)) throw longTermRefusal(target, credentialsPath);
      return {
        aws_access_key_id: session.accessKeyId,
        aws_secret_access_key: session.secretAccessKey,
        aws_session_token: session.sessionToken,
        // Older tools read the token under its boto 2 name; one left from before must not go stale.
        ...(current?.aws_security_token !== undefined ? { aws_security_token: session.sessionToken } : {}),
        [EXPIRATION_KEY]: rfc3339(session.expiration),
        [SOURCE_KEY]: profile.name,
      };
    });
    const done = result.changed ? 'session written to' : 'the session is already in';
    say(`${profile.name}: ${done} [${target}] in ${result.path}, ${describeExpiry(session.expiration)}`, this.context.stderr);
    await this.carryRegion(target, profile.region, profiles);
    // Without --force the cached session is written again, so only --force renews one that is still good.
    const renew = `awsmfa login ${this.profileName} --to-profile ${target} --force`;
    say(`use it with --profile ${target} or AWS_PROFILE=${target}; for a new session before this one ends: ${renew}`, this.context.stderr);
    if (platform.openToOthers(result)) {
      warn(`${result.path} can be read by other users (${platform.describeMode(result)}); run: ${platform.privateCommand(result.path, false)}`, this.context.stderr);
    }
  }

  /**
   * The AWS CLI needs a region for the new profile as much as keys, and reads it only from the config
   * file: the profile's region goes to `[profile TARGET]` there, unless that already names one.
   */
  private async carryRegion(target: string, region: string | undefined, profiles: ProfileSet): Promise<void> {
    const configPath = profiles.files.configPath;
    const section = configSectionName(target);
    const existing = profiles.configSection(target)?.region;
    if (existing !== undefined || region === undefined) {
      if (existing === undefined) {
        warn(`[${this.profileName}] names no region, so the AWS CLI will ask for one with --profile ${target}: add region = REGION to [${section}] in ${configPath}`, this.context.stderr);
      }
      return;
    }
    const written = await updateIniFile(configPath, section, (current): IniValues => (current?.region !== undefined ? {} : { region }));
    if (written.changed) say(`wrote region = ${region} to [${section}] in ${written.path}, as the AWS CLI needs a region for the profile`, this.context.stderr);
  }

  /** Refusals that need no code: a name the loader would read differently, keys that would be lost or shadowed. */
  private checkTarget(target: string, profiles: ProfileSet): void {
    if (!PROFILE_NAME.test(target) || sectionId(target) !== target || unsafeForJsSdk(target)) {
      throw new AwsmfaError(`${JSON.stringify(target)} cannot be a profile name in the credentials file`, {
        hint: 'Use letters, digits and - _ . @ + = , : / only, e.g. --to-profile doug-mfa.',
      });
    }
    if (!profiles.has(this.profileName)) throw profiles.unknownProfile(this.profileName);
    const chain = profiles.resolve(this.profileName).chain;
    if (chain.includes(target)) {
      const what = target === this.profileName ? 'the profile itself' : `part of [${this.profileName}]'s source_profile chain (${chain.map((name) => `[${name}]`).join(' -> ')})`;
      throw new AwsmfaError(`--to-profile ${target} is ${what}; writing the session there would replace what the session is made from`, {
        hint: `Choose another name, e.g. --to-profile ${this.profileName}-mfa.`,
      });
    }
    for (const file of [profiles.files.credentialsPath, profiles.files.configPath]) {
      const section = file === profiles.files.credentialsPath ? profiles.credentialsSection(target) : profiles.configSection(target);
      if (holdsLongTermKeys(section)) throw longTermRefusal(target, file);
    }
    const shadowing = ['role_arn', 'credential_process', 'sso_session', 'sso_start_url'].find((key) => profiles.configSection(target)?.[key] !== undefined);
    if (shadowing !== undefined) {
      warn(`[profile ${target}] in ${profiles.files.configPath} has ${shadowing}, which the AWS CLI uses before keys in the credentials file`, this.context.stderr);
    }
  }
}
