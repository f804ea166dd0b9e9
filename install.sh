#!/bin/sh
# Installs awsmfa for the current user, from this checkout: no sudo, and running it again changes
# nothing. `./install.sh --uninstall` takes out exactly what it put in. See `./install.sh --help`.
#
# What it does:
#   - builds dist/ (`npm ci && npm run build`) if it is not there (a clone; the npm package has it);
#   - writes an `awsmfa` launcher to ~/.local/bin (or PREFIX/bin);
#   - writes the shell integration (`awsmfa init <shell>`) for each shell to
#     ${XDG_CONFIG_HOME:-~/.config}/awsmfa/init.<shell>, and adds one line to the shell's rc file that
#     sources it, so that a new shell does not start node to get it;
#   - installs the completion scripts where bash-completion and fish look for them (zsh and PowerShell
#     get theirs from the integration);
#   - sets up PowerShell's $PROFILE wherever pwsh is installed (on PATH or in ~/.dotnet/tools);
#   - records all of it in ${XDG_CONFIG_HOME:-~/.config}/awsmfa/installed, which --uninstall reads.

set -eu

usage() {
    cat <<'EOF'
Usage: ./install.sh [--prefix DIR] [--shell LIST] [--uninstall]

  --prefix DIR   put the launcher in DIR/bin (default: ~/.local)
  --shell LIST   set up these shells, comma-separated: bash,zsh,fish,pwsh
                 (default: your login shell, every one of them whose rc file exists,
                 and pwsh wherever it is installed)
  --uninstall    remove what an earlier run added, and nothing else
  -h, --help     show this help
EOF
}

say() { printf 'awsmfa install: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

prefix=$HOME/.local
shells=
uninstall=
while [ $# -gt 0 ]; do
    case $1 in
        --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --shell) [ $# -ge 2 ] || die "--shell needs a list of shells"; shells=$2; shift 2 ;;
        --shell=*) shells=${1#--shell=}; shift ;;
        --uninstall) uninstall=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done

root=$(cd "$(dirname "$0")" && pwd -P)
config_home=${XDG_CONFIG_HOME:-$HOME/.config}
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
state_dir=$config_home/awsmfa
manifest=$state_dir/installed
marker='# added by awsmfa install.sh'

# --- The record of what was added -----------------------------------------------------------------
# One entry a line: `dir PATH` (created), `file PATH` (written), `rc PATH` (a line added to it),
# `rc-created PATH` (the rc file did not exist), `rc-newline PATH` (a final newline was added to it).

record() {
    [ -f "$manifest" ] && grep -qxF "$1" "$manifest" && return 0
    printf '%s\n' "$1" >>"$manifest"
}

# mkdir -p that records each directory it creates, outermost first.
make_dir() {
    [ -d "$1" ] && return 0
    missing=
    dir=$1
    while [ ! -d "$dir" ]; do
        missing="$dir
$missing"
        dir=$(dirname "$dir")
    done
    mkdir -p "$1"
    printf '%s' "$missing" | while IFS= read -r dir; do
        [ -z "$dir" ] || record "dir $dir"
    done
}

# Writes stdin to a file only when the content differs, so that a second run touches nothing.
write_file() {
    target=$1
    mode=$2
    tmp=$target.awsmfa-tmp.$$
    cat >"$tmp"
    chmod "$mode" "$tmp"
    if [ -f "$target" ] && cmp -s "$tmp" "$target"; then
        rm -f "$tmp"
    else
        mv -f "$tmp" "$target"
    fi
    record "file $target"
}

# A file of ours, or no file: anything else at that path is the user's and is left alone.
ours_or_absent() {
    [ ! -e "$1" ] && return 0
    grep -qF "$marker" "$1" 2>/dev/null && return 0
    [ -f "$manifest" ] && grep -qxF "file $1" "$manifest" && return 0
    return 1
}

# Single-quoted words for sh, fish and PowerShell, for paths put into rc lines.
quote_sh() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
quote_fish() { printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")"; }
quote_pwsh() { printf "'%s'" "$(printf '%s' "$1" | sed "s/['‘’‚‛]/&&/g")"; }

# --- Per shell: the rc file, the line that loads the integration, the file name ------------------

rc_file() {
    case $1 in
        bash) printf '%s\n' "$HOME/.bashrc" ;;
        zsh) printf '%s\n' "${ZDOTDIR:-$HOME}/.zshrc" ;;
        fish) printf '%s\n' "$config_home/fish/config.fish" ;;
        pwsh) printf '%s\n' "$config_home/powershell/Microsoft.PowerShell_profile.ps1" ;;
    esac
}

init_file() {
    case $1 in
        pwsh) printf '%s\n' "$state_dir/init.ps1" ;;
        *) printf '%s\n' "$state_dir/init.$1" ;;
    esac
}

rc_line() {
    file=$(init_file "$1")
    case $1 in
        bash | zsh) q=$(quote_sh "$file"); printf 'if [ -f %s ]; then . %s; fi %s\n' "$q" "$q" "$marker" ;;
        fish) q=$(quote_fish "$file"); printf 'status is-interactive; and test -f %s; and source %s %s\n' "$q" "$q" "$marker" ;;
        pwsh) q=$(quote_pwsh "$file"); printf 'if (Test-Path -LiteralPath %s) { . %s } %s\n' "$q" "$q" "$marker" ;;
    esac
}

program() {
    case $1 in
        pwsh) printf 'pwsh\n' ;;
        *) printf '%s\n' "$1" ;;
    esac
}

# --- PowerShell: set up wherever pwsh is installed, $PROFILE or not (few have one before they need
# it). `dotnet tool install --global PowerShell` puts pwsh in ~/.dotnet/tools, often not on PATH.
pwsh_installed() {
    command -v pwsh >/dev/null 2>&1 || [ -x "$HOME/.dotnet/tools/pwsh" ]
}

# --- Uninstall ------------------------------------------------------------------------------------

remove_rc_line() {
    rc=$1
    [ -f "$rc" ] || return 0
    tmp=$state_dir/rc.awsmfa-tmp.$$
    grep -vF "$marker" "$rc" >"$tmp" || true
    # Written through the existing file (not moved over it), so a symlinked rc file stays a symlink.
    cat "$tmp" >"$rc"
    rm -f "$tmp"
}

# Sessions outlive the install: they stay in the cache, valid, until they expire. Said on uninstall,
# with the offer to forget them (asked on a terminal, else the command to run).
forget_sessions() {
    script=$root/dist/awsmfa.js
    command -v node >/dev/null 2>&1 && [ -f "$script" ] || return 0
    # One line: how many sessions have not expired, and the cache directory.
    # shellcheck disable=SC2016 # JavaScript, not shell: its ${…} are a template literal's
    report=$(node "$script" status --json 2>/dev/null | node -e '
        let text = "";
        process.stdin.on("data", (chunk) => (text += chunk)).on("end", () => {
            try {
                const status = JSON.parse(text);
                console.log(`${status.sessions.filter((session) => !session.expired).length} ${status.cacheDir}`);
            } catch { console.log(0); }
        });') || report=0
    live=${report%% *}
    [ "${live:-0}" -gt 0 ] 2>/dev/null || return 0
    if [ "$live" -eq 1 ]; then what="1 session is"; it=it; else what="$live sessions are"; it=they; fi
    say "$what still in awsmfa's cache (${report#* }), valid until $it expire$([ "$it" = it ] && echo s)"
    if [ -t 0 ] && [ -t 2 ]; then
        printf 'awsmfa install: forget them now (awsmfa clear --all)? [y/N] ' >&2
        answer=
        read -r answer || answer=
        case $answer in
            [yY]*) node "$script" clear --all ;;
            *) say "kept; to forget them later: node $(quote_sh "$script") clear --all" ;;
        esac
    else
        say "to forget them: awsmfa clear --all (with the launcher gone: node $(quote_sh "$script") clear --all)"
    fi
}

if [ -n "$uninstall" ]; then
    [ -f "$manifest" ] || { say "nothing to remove: $manifest does not exist"; exit 0; }
    # rc files first (they need the newline and created entries), then files, then directories,
    # innermost first; the record itself goes last.
    entries=$(cat "$manifest")
    while IFS= read -r entry; do
        case $entry in
            'rc '*) remove_rc_line "${entry#rc }" ;;
        esac
    done <<EOF
$entries
EOF
    while IFS= read -r entry; do
        case $entry in
            'rc-newline '*)
                rc=${entry#rc-newline }
                # The file had no final newline; $(…) drops exactly the one that was added.
                if [ -f "$rc" ]; then content=$(cat "$rc"); printf '%s' "$content" >"$rc"; fi
                ;;
            'rc-created '*)
                rc=${entry#rc-created }
                [ -f "$rc" ] && [ ! -s "$rc" ] && rm -f "$rc"
                ;;
            'file '*)
                rm -f "${entry#file }"
                # zsh compiles the integration file it sources into a copy beside it.
                case $entry in *.zsh) rm -f "${entry#file }.zwc" ;; esac
                ;;
        esac
    done <<EOF
$entries
EOF
    dirs=$(printf '%s\n' "$entries" | sed -n 's/^dir //p' | sort -r)
    # Only directories it created, and only when nothing else has been put in them since.
    printf '%s\n' "$dirs" | while IFS= read -r dir; do
        [ -z "$dir" ] || rmdir "$dir" 2>/dev/null || true
    done
    say "removed awsmfa's launcher, shell integration and completions"
    forget_sessions
    exit 0
fi

# --- Install --------------------------------------------------------------------------------------

command -v node >/dev/null 2>&1 || die "node is not on PATH; awsmfa needs Node.js 20 or later (https://nodejs.org)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "node $(node --version) is too old; awsmfa needs Node.js 20 or later"
node_path=$(command -v node)
script=$root/dist/awsmfa.js

if [ ! -f "$script" ]; then
    say "building awsmfa (npm ci && npm run build)"
    (cd "$root" && npm ci --no-audit --no-fund >&2 && npm run build >&2) || die "npm ci && npm run build failed"
    [ -f "$script" ] || die "npm run build did not build $script"
fi

if [ -z "$shells" ]; then
    login=$(basename "${SHELL:-}")
    for candidate in bash zsh fish; do
        if [ "$candidate" = "$login" ] || [ -f "$(rc_file "$candidate")" ]; then
            command -v "$(program "$candidate")" >/dev/null 2>&1 && shells="$shells,$candidate"
        fi
    done
    if pwsh_installed; then shells="$shells,pwsh"; fi
    shells=${shells#,}
    [ -n "$shells" ] || die "found no bash, zsh, fish or PowerShell to set up; name one with --shell"
fi

make_dir "$state_dir"

bin_dir=$prefix/bin
launcher=$bin_dir/awsmfa
make_dir "$bin_dir"
if ours_or_absent "$launcher"; then
    # exec, so that node's parent is the shell that ran `awsmfa`: that is how awsmfa knows which
    # shell's code to print. Node on PATH first (it may have been upgraded); else the one found now.
    write_file "$launcher" 755 <<EOF
#!/bin/sh
$marker: the awsmfa launcher; \`install.sh --uninstall\` removes it.
if command -v node >/dev/null 2>&1; then exec node $(quote_sh "$script") "\$@"; fi
exec $(quote_sh "$node_path") $(quote_sh "$script") "\$@"
EOF
else
    say "warning: $launcher exists and is not awsmfa's launcher; left it alone"
fi

old_ifs=$IFS
IFS=,
for shell in $shells; do
    IFS=$old_ifs
    case $shell in
        bash | zsh | fish | pwsh) ;;
        *) die "unknown shell: $shell (bash, zsh, fish or pwsh)" ;;
    esac
    init=$(init_file "$shell")
    code=$(node "$script" init "$shell") || die "awsmfa init $shell failed"
    printf '%s\n' "$code" | write_file "$init" 644

    rc=$(rc_file "$shell")
    line=$(rc_line "$shell")
    if [ ! -f "$rc" ] || ! grep -qxF "$line" "$rc"; then
        make_dir "$(dirname "$rc")"
        if [ ! -e "$rc" ]; then
            : >"$rc"
            record "rc-created $rc"
        elif [ -s "$rc" ] && [ "$(tail -c 1 "$rc" | od -An -c | tr -d ' ')" != '\n' ]; then
            printf '\n' >>"$rc"
            record "rc-newline $rc"
        fi
        printf '%s\n' "$line" >>"$rc"
        record "rc $rc"
    fi

    case $shell in
        bash) completion_dir=$data_home/bash-completion/completions; completion=awsmfa; source_file=awsmfa.bash ;;
        fish) completion_dir=$config_home/fish/completions; completion=awsmfa.fish; source_file=awsmfa.fish ;;
        *) completion_dir= ;;
    esac
    if [ -n "$completion_dir" ]; then
        make_dir "$completion_dir"
        if ours_or_absent "$completion_dir/$completion"; then
            write_file "$completion_dir/$completion" 644 <"$root/completions/$source_file"
        else
            say "warning: $completion_dir/$completion exists and is not awsmfa's; left it alone"
        fi
    fi
    say "$shell: $rc loads $init"
    IFS=,
done
IFS=$old_ifs

record "file $manifest"

case ":$PATH:" in
    *":$bin_dir:"*) ;;
    *) say "note: $bin_dir is not on your PATH; add it to use \`awsmfa\` outside the shell integration" ;;
esac
say "done: open a new shell (or run \`exec \$SHELL\`), then \`awsmfa use <profile>\`"
