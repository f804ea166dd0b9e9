#!/usr/bin/env bash
# What the shell integration costs: start-up of an interactive bash and zsh with the integration
# sourced from a file (as install.sh sets it up) against a bare start, and against `eval "$(awsmfa
# init …)"`; the time of one prompt; and the processes a prompt starts (strace). Needs hyperfine and
# strace; run from the repository after `node scripts/build.mjs`:
#
#     bash test/bench/shell-integration.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export HOME=$work/home LANG=C.UTF-8
mkdir -p "$HOME/.aws" "$work/bare" "$work/file" "$work/eval"
cat >"$HOME/.aws/config" <<'EOF'
[default]
region = eu-west-1
[profile doug]
mfa_serial = arn:aws:iam::123456789012:mfa/doug
[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = doug
mfa_serial = arn:aws:iam::123456789012:mfa/doug
[profile audit]
role_arn = arn:aws:iam::123456789012:role/audit
source_profile = doug
[profile nomfa]
region = us-east-1
EOF
printf '[doug]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n' >"$HOME/.aws/credentials"

cli=(node "$root/dist/awsmfa.js")
"${cli[@]}" init bash >"$work/init.bash"
"${cli[@]}" init zsh >"$work/init.zsh"
"${cli[@]}" init fish >"$work/init.fish"

: >"$work/bare/.bashrc"
printf '. %q\n' "$work/init.bash" >"$work/file/.bashrc"
printf 'eval "$(node %q init bash)"\n' "$root/dist/awsmfa.js" >"$work/eval/.bashrc"
: >"$work/bare/.zshrc"
printf '. %q\n' "$work/init.zsh" >"$work/file/.zshrc"
printf 'eval "$(node %q init zsh)"\n' "$root/dist/awsmfa.js" >"$work/eval/.zshrc"

echo "== start-up: interactive bash and zsh, bare / integration from a file / eval of awsmfa init"
hyperfine -N --warmup 5 --runs 60 \
    "bash --rcfile $work/bare/.bashrc -i -c exit" \
    "bash --rcfile $work/file/.bashrc -i -c exit" \
    "bash --rcfile $work/eval/.bashrc -i -c exit" 2>/dev/null | grep -v '^ *Range'
hyperfine -N --warmup 5 --runs 60 \
    "env ZDOTDIR=$work/bare zsh -i -c exit" \
    "env ZDOTDIR=$work/file zsh -i -c exit" \
    "env ZDOTDIR=$work/eval zsh -i -c exit" 2>/dev/null | grep -v '^ *Range'

# fish's default prompt runs git and friends itself; a plain one leaves only what awsmfa adds.
fish_user_prompt="function fish_prompt; echo '> '; end"
session="export AWSMFA_PROFILE=doug AWSMFA_EXPIRES_AT=\$((EPOCHSECONDS + 2400)) PS1='> '"

echo "== one prompt (the hook with a session, mean of 1000 calls)"
bash --norc -c "source $work/init.bash; $session
    start=\$EPOCHREALTIME; for ((i = 0; i < 1000; i++)); do __awsmfa_prompt; done; end=\$EPOCHREALTIME
    printf 'bash: %.1f µs per prompt\n' \"\$(( (\${end/./} - \${start/./}) / 1000 ))\""
zsh -f -c "source $work/init.zsh; $session; PROMPT='> '
    zmodload zsh/datetime; start=\$EPOCHREALTIME; for ((i = 0; i < 1000; i++)); do __awsmfa_prompt; done
    printf 'zsh: %.1f µs per prompt\n' \$(( (EPOCHREALTIME - start) * 1000 ))"
if command -v fish >/dev/null; then
    fish --no-config -c "$fish_user_prompt; source $work/init.fish; set -gx AWSMFA_PROFILE doug; set -gx AWSMFA_EXPIRES_AT (math (date +%s) + 2400)
        set -l start (date +%s%N); set -l i 0; while test \$i -lt 200; set i (math \$i + 1); fish_prompt >/dev/null; end
        printf 'fish: %.1f µs per prompt\n' (math \"((\"(date +%s%N)\" - \$start) / 200) / 1000\")"
fi

echo "== processes started by 100 prompts (strace: clone, clone3, fork, vfork)"
count() {
    strace -f -c -e trace=clone,clone3,fork,vfork -o "$work/strace" "$@" >/dev/null 2>&1
    awk '$NF ~ /^(clone|clone3|fork|vfork)$/ { n += $4 } END { print n + 0 }' "$work/strace"
}
for shell in bash zsh; do
    flag=--norc
    [[ $shell == zsh ]] && flag=-f
    base=$(count "$shell" "$flag" -c "source $work/init.$shell; $session")
    hundred=$(count "$shell" "$flag" -c "source $work/init.$shell; $session; for i in {1..100}; do __awsmfa_prompt; done")
    echo "$shell: $((hundred - base)) processes for 100 prompts"
done
if command -v fish >/dev/null; then
    setup="$fish_user_prompt; source $work/init.fish"
    base=$(count fish --no-config -c "$setup; set -gx AWSMFA_PROFILE doug; set -gx AWSMFA_EXPIRES_AT 9999999999")
    hundred=$(count fish --no-config -c "$setup; set -gx AWSMFA_PROFILE doug; set -gx AWSMFA_EXPIRES_AT 9999999999; set -l i 0; while test \$i -lt 100; set i (math \$i + 1); fish_prompt; end")
    echo "fish: $((hundred - base)) processes for 100 prompts with a session"
    base=$(count fish --no-config -c "$setup")
    hundred=$(count fish --no-config -c "$setup; set -l i 0; while test \$i -lt 100; set i (math \$i + 1); fish_prompt; end")
    echo "fish: $((hundred - base)) processes for 100 prompts without a session"
fi
