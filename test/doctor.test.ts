/**
 * `awsmfa doctor` through the built CLI, in a temporary HOME against the emulator: healthy, it says so
 * and exits 0; each check broken on purpose reports its problem with a fix and exits 1. Clock skew is
 * the emulator answering with a shifted Date header.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { awsmfa, createWorld, DEFAULT_CONFIG, DOUG_SERIAL, type World, type WorldOptions } from './helpers/fixture.js';
import { schemaErrors } from './helpers/schema.js';

interface Check {
  check: string;
  status: 'ok' | 'info' | 'skip' | 'warn' | 'fail';
  message: string;
  fix: string | null;
}

interface Doctor {
  code: number | null;
  stdout: string;
  checks: Check[];
  find(check: string, status?: Check['status']): Check;
}

/** A world whose bash loads the integration, so that a healthy setup really has nothing to report. */
async function healthyWorld(options: WorldOptions = {}): Promise<World> {
  const world = await createWorld(options);
  await writeFile(join(world.home, '.bashrc'), '# the line install.sh adds\n[ -f ~/.config/awsmfa/init.bash ] && . ~/.config/awsmfa/init.bash\n');
  return world;
}

async function doctor(world: World, args: string[] = [], env: Record<string, string> = {}): Promise<Doctor> {
  const runEnv = { ...world.env, SHELL: '/bin/bash', ...env };
  const [json, text] = await Promise.all([awsmfa(['doctor', ...args, '--json'], { env: runEnv }), awsmfa(['doctor', ...args], { env: runEnv })]);
  const report = JSON.parse(json.stdout) as { ok: boolean; checks: Check[] };
  assert.deepEqual(await schemaErrors('doctor.schema.json', report), []);
  assert.equal(json.code, text.code, 'the same exit status with and without --json');
  assert.equal(report.ok, json.code === 0);
  for (const check of report.checks) {
    if (check.status === 'warn' || check.status === 'fail') assert.ok(check.fix, `${check.check} has a fix`);
    // Every check is one line of the text report, with its fix on the same line.
    // (Measured numbers, such as the clock offset, may differ by a second between the two runs.)
    const line = (check.message + (check.fix === null ? '' : ` — fix: ${check.fix}`)).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\d+/g, '\\d+');
    assert.match(text.stdout, new RegExp(line), `text shows ${check.message}`);
  }
  return {
    code: json.code,
    stdout: text.stdout,
    checks: report.checks,
    find(name, status) {
      const found = report.checks.find((check) => check.check === name && (status === undefined || check.status === status));
      assert.ok(found, `no ${name}${status ? ` (${status})` : ''} in\n${text.stdout}`);
      return found;
    },
  };
}

function problems(report: Doctor): Check[] {
  return report.checks.filter((check) => check.status === 'warn' || check.status === 'fail');
}

async function withWorld(options: WorldOptions, body: (world: World) => Promise<void>) {
  const world = await healthyWorld(options);
  try {
    await body(world);
  } finally {
    await world.close();
  }
}

describe('doctor', { concurrency: 4 }, () => {
  test('a healthy setup: every check ok, exit 0', async () => {
    await withWorld({}, async (world) => {
      const report = await doctor(world);
      assert.deepEqual(problems(report), []);
      assert.equal(report.code, 0);
      for (const name of ['config-file', 'credentials-file', 'keys', 'mfa-serial', 'clock', 'keys-valid', 'environment', 'cache', 'shell-integration', 'aliases']) report.find(name, 'ok');
      assert.match(report.find('keys-valid').message, /AWS accepts the key AKIA…MPLE of \[doug\]: arn:aws:iam::123456789012:user\/doug/);
      assert.match(report.stdout, /Everything awsmfa needs looks right\.\n$/);
      assert.ok(!/dougSecretKey|AKIADOUGDOUG0EXAMPLE/.test(report.stdout), 'no key is printed whole');
      // Without a profile, the profiles awsmfa is for are checked: doug and the roles, not nomfa or default.
      assert.ok(report.checks.some((check) => check.message.startsWith('[admin]:')));
      assert.ok(!report.checks.some((check) => /\[(nomfa|default)\]/.test(check.message)));
    });
  });

  test('credentials file readable by others, config file writable by others', async () => {
    await withWorld({}, async (world) => {
      await chmod(world.credentialsPath, 0o644);
      await chmod(world.configPath, 0o666);
      const report = await doctor(world, ['doug']);
      assert.equal(report.code, 1);
      const mode = report.find('credentials-mode', 'warn');
      assert.match(mode.message, /is readable by other users \(mode 0644\)/);
      assert.equal(mode.fix, `chmod 600 ${world.credentialsPath}`);
      assert.match(report.find('config-mode', 'warn').message, /writable by other users \(mode 0666\)/);
    });
  });

  test('no AWS files at all', async () => {
    await withWorld({}, async (world) => {
      await rm(join(world.home, '.aws'), { recursive: true });
      const report = await doctor(world, ['--offline']);
      assert.equal(report.code, 1);
      assert.match(report.find('aws-files', 'fail').message, /neither .*config nor .*credentials exists/);
      assert.match(report.find('aws-files').fix ?? '', /aws configure --profile/);
    });
  });

  test('an unknown profile, with the nearest names', async () => {
    await withWorld({}, async (world) => {
      const report = await doctor(world, ['dougg', '--offline']);
      assert.equal(report.code, 1);
      assert.match(report.find('profile', 'fail').message, /profile "dougg" is not in/);
      assert.match(report.find('profile').fix ?? '', /Did you mean "doug"/);
    });
  });

  test('session keys where long-term keys belong, and a missing secret', async () => {
    await withWorld(
      { credentials: (user) => `[doug]\naws_access_key_id = ASIAOLDSESSIOEXAMPLE\naws_secret_access_key = s\naws_session_token = t\n\n[nomfa]\naws_access_key_id = ${user.accessKeyId}\n` },
      async (world) => {
        const temporary = await doctor(world, ['doug', '--offline']);
        assert.equal(temporary.code, 1);
        assert.match(temporary.find('keys', 'fail').message, /profile \[doug\] holds temporary session keys, not long-term keys/);
        await writeFile(world.configPath, `[profile nomfa]\nmfa_serial = ${DOUG_SERIAL}\n`);
        const missing = await doctor(world, ['nomfa', '--offline']);
        assert.match(missing.find('keys', 'fail').message, /profile \[nomfa\] has no aws_secret_access_key/);
      },
    );
  });

  test('mfa_serial missing, not an MFA device, a FIDO key, or of another account', async () => {
    await withWorld({}, async (world) => {
      const none = await doctor(world, ['nomfa', '--offline']);
      assert.equal(none.code, 1);
      assert.match(none.find('mfa-serial', 'fail').message, /\[nomfa\] has no mfa_serial/);
      assert.match(none.find('mfa-serial').fix ?? '', /Add mfa_serial = arn:aws:iam::ACCOUNT:mfa\/DEVICE to \[profile nomfa\]/);

      const cases: [string, RegExp][] = [
        ['my phone', /is not an MFA device ARN or serial: "my phone"/],
        ['arn:aws:iam::123456789012:user/doug', /is an ARN but not an MFA device's/],
        ['arn:aws:iam::123456789012:u2f/user/doug/key-ABC', /is a FIDO security key/],
      ];
      for (const [serial, expected] of cases) {
        await writeFile(world.configPath, `[profile doug]\nmfa_serial = ${serial}\n`);
        const report = await doctor(world, ['doug', '--offline']);
        assert.equal(report.code, 1, serial);
        assert.match(report.find('mfa-serial', 'fail').message, expected);
      }
      await writeFile(world.configPath, '[profile doug]\nmfa_serial = GAHT12345678\n');
      assert.match((await doctor(world, ['doug', '--offline'])).find('mfa-serial', 'ok').message, /hardware token GAHT12345678/);

      await writeFile(world.configPath, '[profile doug]\nmfa_serial = arn:aws:iam::999999999999:mfa/doug\n');
      const foreign = await doctor(world, ['doug']);
      assert.equal(foreign.code, 1);
      assert.match(foreign.find('mfa-account', 'fail').message, /a device of account 999999999999, but the key of \[doug\] belongs to account 123456789012/);
    });
  });

  test('a duration outside what AWS allows', async () => {
    await withWorld({ config: (user) => `${DEFAULT_CONFIG(user)}\n[profile short]\nsource_profile = doug\nmfa_serial = ${DOUG_SERIAL}\nduration_seconds = 600\n` }, async (world) => {
      const report = await doctor(world, ['short', '--offline']);
      assert.equal(report.code, 1);
      assert.match(report.find('duration', 'fail').message, /the duration 600 s from duration_seconds of \[short\] is outside what GetSessionToken allows/);
    });
  });

  test('keys AWS does not know', async () => {
    await withWorld({ credentials: () => '[doug]\naws_access_key_id = AKIAUNKNOWNKEEXAMPLE\naws_secret_access_key = s\n' }, async (world) => {
      const report = await doctor(world, ['doug']);
      assert.equal(report.code, 1);
      const keys = report.find('keys-valid', 'fail');
      assert.match(keys.message, /AWS does not recognise the access key in \[doug\] of .*credentials/);
      assert.match(keys.fix ?? '', /rotated/);
    });
  });

  for (const [offset, expected] of [
    [120, /this computer's clock is 1(1[7-9]|2[0-3]) s behind STS's/],
    [-90, /this computer's clock is (8[7-9]|9[0-3]) s ahead of STS's/],
  ] as const) {
    test(`a clock ${Math.abs(offset)} s ${offset > 0 ? 'behind' : 'ahead'}, seen in STS's Date header`, async () => {
      await withWorld({ clockOffsetSeconds: offset }, async (world) => {
        const report = await doctor(world, ['doug']);
        assert.equal(report.code, 1);
        const clock = report.find('clock', 'warn');
        assert.match(clock.message, expected);
        assert.match(clock.fix ?? '', /timedatectl set-ntp true|Set time and date automatically/);
        report.find('keys-valid', 'ok');
      });
    });
  }

  test('a clock within 30 s is fine', async () => {
    await withWorld({ clockOffsetSeconds: 10 }, async (world) => {
      const report = await doctor(world, ['doug']);
      assert.match(report.find('clock', 'ok').message, /within ([7-9]|1[0-3]) s of STS's/);
    });
  });

  test('an STS endpoint that cannot be reached', async () => {
    await withWorld({}, async (world) => {
      const { createServer } = await import('node:net');
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      await new Promise((resolve) => server.close(resolve));
      const report = await doctor(world, ['doug'], { AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${port}` });
      assert.equal(report.code, 1);
      assert.match(report.find('clock', 'fail').message, new RegExp(`cannot reach STS at http://127.0.0.1:${port}.*the connection was refused`));
      // The key check fails for the same reason, in the same words: said once.
      assert.equal(report.checks.filter((check) => check.status === 'fail').length, 1, report.stdout);
    });
  });

  test('--offline sends nothing', async () => {
    await withWorld({}, async (world) => {
      const report = await doctor(world, ['doug', '--offline']);
      assert.equal(report.code, 0);
      report.find('network', 'skip');
      assert.equal(world.emulator.calls.length, 0);
    });
  });

  test('stale AWS_* variables: keys not set by awsmfa, AWS_PROFILE beside a session, an expired session', async () => {
    await withWorld({}, async (world) => {
      const stale = await doctor(world, ['doug', '--offline'], { AWS_ACCESS_KEY_ID: 'AKIAOLD000000EXAMPLE', AWS_SECRET_ACCESS_KEY: 'old' });
      assert.equal(stale.code, 1);
      const check = stale.find('environment', 'warn');
      assert.match(check.message, /AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY are set in this shell, but not by awsmfa/);
      assert.match(check.fix ?? '', /^unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY/);
      const inFish = await doctor(world, ['doug', '--offline'], { SHELL: '/usr/bin/fish', AWS_SESSION_TOKEN: 'old' });
      assert.match(inFish.find('environment', 'warn').fix ?? '', /^set -e AWS_SESSION_TOKEN/);

      const future = String(Math.floor(Date.now() / 1000) + 3600);
      const session = { AWSMFA_PROFILE: 'doug', AWSMFA_EXPIRES_AT: future, AWS_ACCESS_KEY_ID: 'ASIA', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't' };
      const shadowed = await doctor(world, ['doug', '--offline'], { ...session, AWS_PROFILE: 'doug' });
      assert.match(shadowed.find('environment', 'warn').message, /AWS_PROFILE=doug is set while the awsmfa session of \[doug\] is active/);
      assert.equal((await doctor(world, ['doug', '--offline'], session)).code, 0, 'a whole, live session is fine');

      const past = String(Math.floor(Date.now() / 1000) - 60);
      const expired = await doctor(world, ['doug', '--offline'], { ...session, AWSMFA_EXPIRES_AT: past });
      assert.match(expired.find('environment', 'warn').message, /the awsmfa session of \[doug\] in this shell expired at/);
      assert.match(expired.find('environment', 'warn').fix ?? '', /awsmfa use doug/);
    });
  });

  test('shell integration: missing for bash is advice, not a failure; found for zsh (ZDOTDIR), fish (conf.d) and PowerShell ($PROFILE)', async () => {
    await withWorld({}, async (world) => {
      await rm(join(world.home, '.bashrc'));
      await writeFile(join(world.home, '.bashrc'), '# eval "$(awsmfa init bash)"   (commented out: does not count)\n');
      const missing = await doctor(world, ['doug', '--offline']);
      // eval "$(awsmfa env doug)" is a first-class way to use awsmfa without the integration.
      assert.equal(missing.code, 0, missing.stdout);
      const check = missing.find('shell-integration', 'info');
      assert.match(check.message, /^bash: the integration is not loaded by any startup file .*; without it, eval "\$\(awsmfa env PROFILE\)" works; with it come `awsmfa use`, the prompt countdown and aliases$/);
      assert.match(check.fix ?? '', /install\.sh|awsmfa init bash/);
      assert.match(missing.stdout, /Everything awsmfa needs looks right\./);

      const zdotdir = join(world.home, 'zsh');
      await mkdir(zdotdir);
      await writeFile(join(zdotdir, '.zshrc'), 'PS1="%~ "\neval "$(awsmfa init zsh)"\n');
      const zsh = await doctor(world, ['doug', '--offline'], { SHELL: '/usr/bin/zsh', ZDOTDIR: zdotdir });
      assert.match(zsh.find('shell-integration', 'ok').message, /^zsh: .*\.zshrc line 2 loads the integration/);

      const confd = join(world.env.XDG_CONFIG_HOME!, 'fish', 'conf.d');
      await mkdir(confd, { recursive: true });
      await writeFile(join(confd, 'awsmfa.fish'), 'source ~/.config/awsmfa/init.fish\n');
      const fish = await doctor(world, ['doug', '--offline'], { SHELL: '/usr/bin/fish' });
      assert.match(fish.find('shell-integration', 'ok').message, /^fish: .*conf\.d\/awsmfa\.fish line 1/);

      // PowerShell's $PROFILE, as install.sh writes it; before that, the fix names the line to add.
      const pwshMissing = await doctor(world, ['doug', '--offline'], { SHELL: '/usr/bin/pwsh' });
      const warned = pwshMissing.find('shell-integration', 'info');
      assert.match(warned.message, /^pwsh: the integration is not loaded by any startup file \(looked in .*Microsoft\.PowerShell_profile\.ps1/);
      assert.match(warned.fix ?? '', /awsmfa init pwsh \| Out-String \| Invoke-Expression/);
      const profileDir = join(world.env.XDG_CONFIG_HOME!, 'powershell');
      await mkdir(profileDir, { recursive: true });
      await writeFile(join(profileDir, 'Microsoft.PowerShell_profile.ps1'), "Set-PSReadLineOption -EditMode Emacs\nif (Test-Path -LiteralPath '/x/init.ps1') { . '/x/init.ps1' } # added by awsmfa install.sh\n");
      const pwsh = await doctor(world, ['doug', '--offline'], { SHELL: '/usr/bin/pwsh' });
      assert.match(pwsh.find('shell-integration', 'ok').message, /^pwsh: .*Microsoft\.PowerShell_profile\.ps1 line 2 loads the integration/);
    });
  });

  test('a cache directory others can open', async () => {
    await withWorld({}, async (world) => {
      await mkdir(join(world.env.XDG_CACHE_HOME!, 'awsmfa'), { recursive: true, mode: 0o755 });
      await chmod(join(world.env.XDG_CACHE_HOME!, 'awsmfa'), 0o755);
      const report = await doctor(world, ['doug', '--offline']);
      assert.equal(report.code, 1);
      assert.match(report.find('cache', 'fail').message, /open to other users \(mode 0755\)/);
    });
  });

  test('a profile whose name cannot be an alias is named, without failing doctor', async () => {
    await withWorld({ config: (user) => `${DEFAULT_CONFIG(user)}\n[profile team/admin]\nsource_profile = doug\nmfa_serial = ${DOUG_SERIAL}\n` }, async (world) => {
      const report = await doctor(world, ['doug', '--offline']);
      assert.equal(report.code, 0);
      assert.match(report.find('aliases', 'info').message, /no aws-<profile> alias for "team\/admin"/);
    });
  });

  test('a profile whose alias would hide a command on PATH is named, with the command', async () => {
    await withWorld({ config: (user) => `${DEFAULT_CONFIG(user)}\n[profile vault]\nsource_profile = doug\nmfa_serial = ${DOUG_SERIAL}\n` }, async (world) => {
      const bin = join(world.home, 'bin');
      await mkdir(bin, { recursive: true });
      await writeFile(join(bin, 'aws-vault'), '#!/bin/sh\n', { mode: 0o755 });
      const report = await doctor(world, ['doug', '--offline'], { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, SHELL: '/bin/bash' });
      assert.equal(report.code, 0);
      const message = report.find('aliases', 'info').message;
      assert.match(message, /no alias that would hide a command: aws-vault \(.*\/bin\/aws-vault has that name; use `awsmfa use vault`\)/);
    });
  });
});
