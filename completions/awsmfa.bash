# shellcheck shell=bash
# bash completion for awsmfa: commands, flags, shell names and the profile names of the AWS config.
# completions/awsmfa.bash is this template with the data line below filled in from the command
# definitions (`awsmfa completions bash` prints it); `awsmfa init bash` includes it.
#
# Tab must stay instant whatever the size of the config, so profile names come from the index awsmfa
# keeps (below); a Tab starts a process only when a config file changed since the index was made.

# The profile index: what awsmfa read from the AWS config files (the profile names; the aliases are
# a file of their own beside it, see the integration), kept in a file of plain lines under its cache
# directory. Reading it costs one builtin, whatever the size of the config; noticing that the config
# changed costs a few `-nt` tests. Sets __awsmfa_index_file and __awsmfa_index_profiles. $1 is the
# alias prefix; with $2 = strict the index must also have been made for this PATH and prefix (the
# aliases depend on them; the profile names do not), and only its header is read: a shell start needs
# no profile names.
__awsmfa_load_index() {
    \builtin local file
    if [[ ${XDG_CACHE_HOME-} == /* ]]; then file=$XDG_CACHE_HOME; else file=$HOME/.cache; fi
    # One index per alias prefix, its characters other than letters, digits, _ and - spelled as _.
    file=$file/awsmfa/shell/index-${1//[!A-Za-z0-9_-]/_}.bash
    __awsmfa_index_file=$file
    __awsmfa_read_index "$file" "$1" "${2-}" check && \builtin return 0
    # Changed (or never made): awsmfa makes it again, once, and what it just wrote is used as it is
    # (or, should that run fail, what there is).
    __awsmfa_refresh_index "$1" || :
    __awsmfa_read_index "$file" "$1" "${2-}" && \builtin return 0
    __awsmfa_index_profiles=()
    \builtin return 1
}

# Reads the index in $1 when it was made for this environment and, with $4, when no watched file or
# directory is newer than it (a file replaced by a rename changes its directory's time).
__awsmfa_read_index() {
    \builtin local path count i=0
    \builtin local -a header
    [[ -f $1 && -r $1 ]] || \builtin return 1
    {
        # The twelve lines of the header: one mapfile costs bash less than a `read` for each.
        if ((BASH_VERSINFO[0] >= 4)); then
            \builtin mapfile -t -n 12 header
        else
            while ((i < 12)) && IFS= \builtin read -r path; do
                header[i]=$path
                ((i += 1))
            done
            i=0
        fi
        ((${#header[@]} == 12)) || \builtin return 1
        [[ ${header[0]} == 'awsmfa-index 2' && ${header[1]} == "${AWS_CONFIG_FILE-}" && ${header[2]} == "${AWS_SHARED_CREDENTIALS_FILE-}" && ${header[3]} == "${HOME-}" ]] || \builtin return 1
        [[ -z ${3-} || (${header[4]} == "${PATH-}" && ${header[5]} == "$2") ]] || \builtin return 1
        [[ -z ${4-} || ! (${header[6]} -nt $1 || ${header[7]} -nt $1 || ${header[8]} -nt $1 || ${header[9]} -nt $1) ]] || \builtin return 1
        count=${header[11]}
        [[ -n $count && $count != *[!0-9]* ]] || \builtin return 1
        __awsmfa_index_profiles=()
        [[ -z ${3-} ]] || \builtin return 0
        # Straight into the array: copying an array of thousands in bash costs more than reading it.
        # (`mapfile -n 0` would read everything.)
        if ((BASH_VERSINFO[0] >= 4)); then
            ((10#$count == 0)) || \builtin mapfile -t -n "$((10#$count))" __awsmfa_index_profiles
        else
            # bash 3.2 has no mapfile: a line at a time, which is slower with thousands of profiles.
            while ((i < 10#$count)) && IFS= \builtin read -r path; do
                __awsmfa_index_profiles[i]=$path
                ((i += 1))
            done
        fi
    } <"$1"
}

# Asks awsmfa to make the index again; quiet, as nobody asked for it.
__awsmfa_refresh_index() {
    if \builtin declare -F __awsmfa_run >/dev/null; then
        __awsmfa_run shell-index --shell bash --alias-prefix "$1" >/dev/null 2>&1
    else
        \command awsmfa shell-index --shell bash --alias-prefix "$1" >/dev/null 2>&1
    fi
}

# (bash looks the function up at each Tab: it need not be defined yet.) Not when the integration's
# first Tab loads this file: the registrations made at the start stay as they are, with any change the
# user made to them since.
[[ -n ${__awsmfa_loading_tab-} ]] || \builtin complete -o bashdefault -o default -F __awsmfa_complete awsmfa

# What only Tab runs. `awsmfa init bash` keeps it out of what bash parses at a start (see the
# integration); the line below marks where it begins.
#AWSMFA-TAB-ONLY
__awsmfa_commands=('env' 'unset' 'exec' 'credential-process' 'login' 'status' 'list' 'clear' 'setup' 'policy' 'doctor' 'demo' 'use' 'init' 'completions')
__awsmfa_global_options=('--help' '-h' '--version')
__awsmfa_shell_names=('bash' 'zsh' 'fish' 'pwsh')

# Sets __awsmfa_spec_options and __awsmfa_spec_arguments for the command named by $1.
__awsmfa_command_spec() {
    case $1 in
        'env')
            __awsmfa_spec_options=('--shell=shell' '--token-code=any' '-c=any' '--duration=any' '-d=any' '--force' '-f' '--force-mfa' '--help' '-h')
            __awsmfa_spec_arguments=('profile')
            ;;
        'unset')
            __awsmfa_spec_options=('--shell=shell' '--help' '-h')
            __awsmfa_spec_arguments=()
            ;;
        'exec')
            __awsmfa_spec_options=('--token-code=any' '-c=any' '--duration=any' '-d=any' '--force' '-f' '--force-mfa' '--help' '-h')
            __awsmfa_spec_arguments=('profile' '...any')
            ;;
        'credential-process')
            __awsmfa_spec_options=('--duration=any' '-d=any' '--help' '-h')
            __awsmfa_spec_arguments=('profile')
            ;;
        'login')
            __awsmfa_spec_options=('--to-profile=profile' '-t=profile' '--token-code=any' '-c=any' '--duration=any' '-d=any' '--force' '-f' '--force-mfa' '--help' '-h')
            __awsmfa_spec_arguments=('profile')
            ;;
        'status')
            __awsmfa_spec_options=('--json' '--verify' '--debug' '--help' '-h')
            __awsmfa_spec_arguments=()
            ;;
        'list')
            __awsmfa_spec_options=('--json' '--debug' '--help' '-h')
            __awsmfa_spec_arguments=()
            ;;
        'clear')
            __awsmfa_spec_options=('--all' '-a' '--debug' '--help' '-h')
            __awsmfa_spec_arguments=('profile')
            ;;
        'setup')
            __awsmfa_spec_options=('--access-key-id=any' '--secret-stdin' '--mfa-serial=any' '--token-code=any' '-c=any' '--region=any' '--duration=any' '-d=any' '--store=any' '--remove-keys' '--yes' '-y' '--help' '-h')
            __awsmfa_spec_arguments=('profile')
            ;;
        'policy')
            __awsmfa_spec_options=('--profile=profile' '-p=profile' '--account=any' '--user=any' '--role-account=any' '--role-name=any' '--max-age=any' '--help' '-h')
            __awsmfa_spec_arguments=('any')
            ;;
        'doctor')
            __awsmfa_spec_options=('--offline' '--json' '--debug' '--help' '-h')
            __awsmfa_spec_arguments=('profile')
            ;;
        'demo')
            __awsmfa_spec_options=('--shell=shell' '--script' '--help' '-h')
            __awsmfa_spec_arguments=()
            ;;
        'use')
            __awsmfa_spec_options=('--shell=shell' '--token-code=any' '-c=any' '--duration=any' '-d=any' '--force' '-f' '--force-mfa' '--help' '-h')
            __awsmfa_spec_arguments=('profile')
            ;;
        'init')
            __awsmfa_spec_options=('--cmd=command' '--no-prompt' '--no-aliases' '--alias-prefix=any' '--help' '-h')
            __awsmfa_spec_arguments=('shell')
            ;;
        'completions')
            __awsmfa_spec_options=('--help' '-h')
            __awsmfa_spec_arguments=('shell')
            ;;
        *)
            __awsmfa_spec_options=()
            __awsmfa_spec_arguments=()
            ;;
    esac
}

# Lists that may be empty are expanded as ${list[@]+"${list[@]}"}: bash before 4.4 calls an empty
# array unbound, which `set -u` makes an error.

# Adds to COMPREPLY each candidate (after the first argument) that starts with the first argument.
__awsmfa_offer() {
    \builtin local prefix=$1 candidate
    \builtin shift
    for candidate in "$@"; do
        if [[ $candidate == "$prefix"* ]]; then COMPREPLY+=("$candidate"); fi
    done
}

# shellcheck disable=SC2154 # the data above defines the __awsmfa_* lists
__awsmfa_offer_values() {
    case $1 in
        profile)
            __awsmfa_load_index "${__awsmfa_alias_prefix-aws-}"
            if [[ -z $2 ]]; then
                # Every name: no loop over thousands of them (bash spends microseconds on each step).
                COMPREPLY+=(${__awsmfa_index_profiles[@]+"${__awsmfa_index_profiles[@]}"})
            else
                __awsmfa_offer "$2" ${__awsmfa_index_profiles[@]+"${__awsmfa_index_profiles[@]}"}
            fi
            ;;
        shell) __awsmfa_offer "$2" "${__awsmfa_shell_names[@]}" ;;
    esac
    # Any other kind offers nothing here, and `complete -o default` falls back to file names.
}

__awsmfa_complete() {
    COMPREPLY=()
    \builtin local cur word option kind command='' expect='' ended='' position=0 i
    \builtin local breaks="${COMP_WORDBREAKS-}" line="${COMP_LINE-}" at=0 blank only previous_only=''
    \builtin local -a words
    words=()
    __awsmfa_spec_options=()
    __awsmfa_spec_arguments=()
    # A profile name may hold `:` and `@`, where bash splits words (COMP_WORDBREAKS): `org:admin`
    # arrives as `org`, `:` and `admin`. Pieces with no blank between them are joined again here.
    breaks=${breaks//[!:@]/}
    line=${line:0:${COMP_POINT:-${#line}}}
    for ((i = 0; i <= COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]-}
        blank=${line:at}
        blank=${blank%%[![:space:]]*}
        at=$((at + ${#blank} + ${#word}))
        only=
        if [[ -n $breaks && -n $word && -z ${word//["$breaks"]/} ]]; then only=1; fi
        if ((i > 0)) && [[ -z $blank && -n $only$previous_only ]]; then
            words[${#words[@]} - 1]+=$word
        else
            words+=("$word")
        fi
        previous_only=$only
    done
    cur=${words[${#words[@]} - 1]}
    for ((i = 1; i < ${#words[@]} - 1; i++)); do
        word=${words[i]}
        if [[ -n $expect ]]; then
            # With `=` in COMP_WORDBREAKS, `--shell=bash` arrives as three words.
            [[ $word == = ]] || expect=
            continue
        fi
        if [[ -z $command ]]; then
            [[ $word == -* ]] && continue
            command=$word
            __awsmfa_command_spec "$command"
            continue
        fi
        if [[ -z $ended && $word == -- ]]; then
            ended=1
        elif [[ -z $ended && $word == -* ]]; then
            for option in ${__awsmfa_spec_options[@]+"${__awsmfa_spec_options[@]}"}; do
                [[ $option == "$word="* ]] && expect=${option#*=}
            done
        else
            position=$((position + 1))
        fi
    done

    # bash 3 hands `--shell=b` over as one word (bash 4 splits it at `=`), and readline still replaces
    # only what follows the `=` when `=` is in COMP_WORDBREAKS: there the value is completed alone.
    if [[ -z $expect && -z $ended && -n $command && $cur == --*=* && ${COMP_WORDBREAKS-} == *=* ]]; then
        for option in ${__awsmfa_spec_options[@]+"${__awsmfa_spec_options[@]}"}; do
            [[ $option == "${cur%%=*}="* ]] && expect=${option#*=}
        done
        [[ -n $expect ]] && cur=${cur#*=}
    fi
    if [[ -n $expect ]]; then
        [[ $cur == = ]] && cur=
        __awsmfa_offer_values "$expect" "$cur"
    elif [[ -z $command ]]; then
        # shellcheck disable=SC2154 # the data above defines the __awsmfa_* lists
        if [[ $cur == -* ]]; then
            __awsmfa_offer "$cur" "${__awsmfa_global_options[@]}"
        else
            __awsmfa_offer "$cur" "${__awsmfa_commands[@]}"
        fi
    elif [[ -z $ended && $cur == -* ]]; then
        for option in ${__awsmfa_spec_options[@]+"${__awsmfa_spec_options[@]}"}; do
            __awsmfa_offer "$cur" "${option%%=*}"
        done
    else
        kind=
        if ((position < ${#__awsmfa_spec_arguments[@]})); then
            kind=${__awsmfa_spec_arguments[position]}
        elif ((${#__awsmfa_spec_arguments[@]} > 0)); then
            kind=${__awsmfa_spec_arguments[${#__awsmfa_spec_arguments[@]} - 1]}
            [[ $kind == ...* ]] || kind=
        fi
        __awsmfa_offer_values "${kind#...}" "$cur"
    fi
    # readline replaces only what follows the last of those characters in the word, and the `@`
    # itself (one of bash's special prefixes, which readline leaves in the word it completes).
    if [[ -n $breaks && $cur == *["$breaks"]* ]]; then
        word=${cur%"${cur##*["$breaks"]}"}
        if [[ $word == *@ ]]; then word=${word%@}; fi
        for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=${COMPREPLY[i]#"$word"}; done
    fi
    \builtin return 0
}
