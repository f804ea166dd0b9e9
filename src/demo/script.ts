/**
 * `awsmfa demo --script`: the whole flow without a terminal, as a transcript of the commands a person
 * would type, run by a real POSIX shell so that what is shown is what happens. Secrets are masked in
 * what it prints. Every step must succeed, or the transcript stops with the failing step's status.
 */
import { DEMO_ROLE_PROFILE, DEMO_USER_PROFILE } from './world.js';

export function demoScript(options: { bold: boolean }): string {
  const on = options.bold ? '\\033[1m' : '';
  const off = options.bold ? '\\033[0m' : '';
  return `# The awsmfa demo, run as a transcript.
exec 2>&1
step() {
  printf '\\n${on}$ %s${off}\\n' "$1"
  eval "$1"
}
show_env() {
  printf '\\n${on}$ env | grep AWS   # what this shell has now, secrets masked${off}\\n'
  found=
  for name in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_SESSION_EXPIRATION AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE AWSMFA_PROFILE AWSMFA_EXPIRES_AT; do
    eval "isset=\\\${$name+x}"
    [ -n "$isset" ] || continue
    found=1
    eval "value=\\\$$name"
    case "$name" in
      AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN) value="$(printf '%.4s' "$value")... (\${#value} characters, masked)" ;;
    esac
    printf '%s=%s\\n' "$name" "$value"
  done
  [ -n "$found" ] || printf '(no AWS variables)\\n'
}

printf '${on}The awsmfa demo${off}: a throwaway AWS account on this computer (a loopback STS), with the IAM user\\n'
printf '[${DEMO_USER_PROFILE}] whose MFA device the demo plays, and the role [${DEMO_ROLE_PROFILE}] whose trust policy requires MFA.\\n'

step 'awsmfa list' || exit
printf '\\n${on}$ awsmfa demo code   # the MFA app of the demo user${off}\\n'
code=$(awsmfa demo code) || exit
printf '%s\\n' "$code"
step "eval \\"\\$(awsmfa env ${DEMO_USER_PROFILE} --token-code $code)\\"" || exit
show_env
step 'awsmfa status --verify   # asks STS (GetCallerIdentity) with the exported keys' || exit
step 'eval "$(awsmfa env ${DEMO_USER_PROFILE})"   # again: the cached session, no code needed' || exit
step 'eval "$(awsmfa env ${DEMO_ROLE_PROFILE})"   # the role: assumed with the MFA session, no new code' || exit
step 'awsmfa status --verify' || exit
step 'eval "$(awsmfa unset)"' || exit
show_env
step 'awsmfa exec ${DEMO_ROLE_PROFILE} -- awsmfa status   # one command with the role keys, this shell untouched' || exit
`;
}
