/**
 * The package as npm users get it: `npm pack`, then `npm install -g` of the tarball into a temporary
 * prefix. The install says nothing it should not (no warning about scripts), and what it installs
 * works: the command, `init` loaded by a real bash, `completions`, and the package's own install.sh.
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, runProgram } from './helpers/fixture.js';

/** What tells npm and Node how to reach the registry: a proxy, the certificates to trust, the registry itself. */
const NETWORK_VARIABLES = /^(?:(?:https?|no|all)_proxy|NODE_EXTRA_CA_CERTS|SSL_CERT_(?:FILE|DIR)|npm_config_(?:registry|cafile|ca|proxy|https_proxy|noproxy|strict_ssl))$/i;

test('npm pack, then npm install -g of the tarball: quiet, and the installed awsmfa, init, completions and install.sh work', async (t) => {
  const scratch = await mkdtemp(join(tmpdir(), 'awsmfa-package-'));
  t.after(() => rm(scratch, { recursive: true, force: true }));
  const prefix = join(scratch, 'prefix');
  const home = join(scratch, 'home');
  await mkdir(home);
  // npm's own cache stays where it is (the dependencies are usually in it already), and so does the
  // way this machine reaches the registry (its proxy, the certificates it trusts); nothing else of the
  // user's npm configuration applies.
  const network = Object.entries(process.env).filter(([name]) => NETWORK_VARIABLES.test(name));
  const npmEnv = {
    ...Object.fromEntries(network),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? home,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };

  const pack = await runProgram('npm', ['pack', '--silent', '--pack-destination', scratch], { env: npmEnv, timeoutMs: 180_000 }).catch(() => undefined);
  if (pack === undefined) return t.skip('npm not found');
  assert.equal(pack.code, 0, pack.stderr);
  const tarball = join(scratch, pack.stdout.trim().split('\n').pop()!);

  const install = await runProgram('npm', ['install', '--global', '--prefer-offline', '--prefix', prefix, tarball], { env: npmEnv, timeoutMs: 900_000 });
  if (install.code !== 0 && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network/i.test(install.stderr)) {
    return t.skip(`the npm registry cannot be reached: ${install.stderr.split('\n')[0]}`);
  }
  assert.equal(install.code, 0, install.stderr);
  assert.deepEqual(
    install.stderr.split('\n').filter((line) => /warn|error/i.test(line)),
    [],
    'npm install -g of the tarball prints no warning',
  );

  const bin = join(prefix, 'bin', 'awsmfa');
  const env = { PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: home, SHELL: '/bin/bash', LANG: 'C.UTF-8', NO_COLOR: '1' };
  const version = await runProgram(bin, ['--version'], { env, cwd: home });
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /^awsmfa \d/);

  // Tab's code is read from the package's own completion script, which is what init would print.
  const tab = 'COMP_WORDS=(awsmfa en); COMP_CWORD=1; COMP_LINE="awsmfa en"; COMP_POINT=9; __awsmfa_complete && printf "tab=%s\\n" "${COMPREPLY[*]}"';
  const loaded = await runProgram('bash', ['-c', `eval "$(awsmfa init bash)" && type -t awsmfa && complete -p awsmfa && printf 'file=%s\\n' "$__awsmfa_completion_file" && ${tab}`], { env, cwd: home });
  assert.equal(loaded.code, 0, loaded.stderr);
  assert.match(loaded.stdout, /^function\ncomplete .* awsmfa$/m);
  assert.match(loaded.stdout, /^file=\/.*\/node_modules\/awsmfa\/completions\/awsmfa\.bash$/m);
  assert.match(loaded.stdout, /^tab=env$/m);

  const completions = await runProgram(bin, ['completions', 'fish'], { env, cwd: home });
  assert.equal(completions.code, 0, completions.stderr);
  assert.match(completions.stdout, /complete -c awsmfa/);

  const packageDir = join(prefix, 'lib', 'node_modules', 'awsmfa');
  const script = join(packageDir, 'install.sh');
  assert.ok(((await lstat(script)).mode & 0o111) !== 0, 'install.sh in the package is executable');
  const installed = await runProgram(script, ['--shell', 'bash', '--prefix', join(home, '.local')], { env, cwd: home });
  assert.equal(installed.code, 0, installed.stderr);
  assert.doesNotMatch(installed.stderr, /building/, 'the package has dist/: install.sh builds nothing');
  const fresh = await runProgram('bash', ['-i', '-c', 'type -t awsmfa'], { env, cwd: home });
  assert.match(fresh.stdout, /^function$/m, fresh.stderr);
  assert.ok((await readdir(join(home, '.local', 'bin'))).includes('awsmfa'));
});
