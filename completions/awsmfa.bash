# shellcheck shell=bash
# bash completion for awsmfa: commands, flags, shell names and the profile names of the AWS config.
# completions/awsmfa.bash is this template with the data line below filled in from the command
# definitions (`awsmfa completions bash` prints it); `awsmfa init bash` includes it.
#
# Tab must stay instant, so nothing here starts a process: profile names are read from the config
# files by the shell itself.

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

# Sets __awsmfa_profiles (every profile) and __awsmfa_mfa_profiles (those with mfa_serial or role_arn)
# from the files the AWS CLI reads, by the AWS SDK's rules: [profile NAME] and [default] in the config
# file, [NAME] in the credentials file, comments from a ; or # that starts a line or follows a blank,
# and a section with no setting is no profile.
__awsmfa_read_profiles() {
    __awsmfa_profiles=()
    __awsmfa_mfa_profiles=()
    \builtin local from file raw line name prefix key value section subsection
    # Names already remembered, for __awsmfa_remember_profile (bash 3 has no associative arrays).
    if ((BASH_VERSINFO[0] >= 4)); then \builtin local -A __awsmfa_seen; fi
    for from in config credentials; do
        if [[ $from == config ]]; then
            file=${AWS_CONFIG_FILE:-$HOME/.aws/config}
        else
            file=${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}
        fi
        # shellcheck disable=SC2088 # the SDK's own `~/` prefix, expanded here as the SDK does
        [[ $file == '~/'* ]] && file=$HOME/${file#'~/'}
        [[ -f $file && -r $file ]] || continue
        section=
        subsection=
        while IFS= \builtin read -r raw || [[ -n $raw ]]; do
            line=$raw
            [[ $line == [\;#]* ]] && line=
            line=${line%%[[:space:]][;#]*}
            line=${line#"${line%%[![:space:]]*}"}
            line=${line%"${line##*[![:space:]]}"}
            if [[ $line == '['*']' ]]; then
                name=${line:1:${#line}-2}
                section=
                subsection=
                # `prefix name` (one blank, the name maybe quoted) is a typed section: only `profile`
                # names a profile, and only in the config file; anything else is a plain section name.
                prefix=
                if [[ $name == [A-Za-z0-9_-]*[[:space:]]* ]]; then
                    prefix=${name%%[[:space:]]*}
                    key=${name#*[[:space:]]}
                    if [[ $key == \"*\" || $key == \'*\' ]] && [[ ${#key} -ge 3 ]]; then
                        key=${key:1:${#key}-2}
                    fi
                    if [[ $prefix == *[!A-Za-z0-9_-]* || -z $key || $key == *[!A-Za-z0-9_@+.%:/-]* ]]; then
                        prefix=
                    fi
                fi
                if [[ $from == config ]]; then
                    if [[ $prefix == profile ]]; then
                        section=$key
                    elif [[ -z $prefix && $name == default ]]; then
                        section=default
                    fi
                elif [[ -z $prefix ]]; then
                    section=$name
                fi
            elif [[ -n $section && $line == ?*=* ]]; then
                key=${line%%=*}
                key=${key%"${key##*[![:space:]]}"}
                value=${line#*=}
                value=${value#"${value%%[![:space:]]*}"}
                if [[ -z $value ]]; then
                    subsection=$key
                    continue
                fi
                # Like the SDK, a section counts as a profile once it has a setting.
                __awsmfa_remember_profile "$section" all
                # An indented line stays in the sub-section (`s3 =` and what follows); others end it.
                [[ -n $subsection && $raw != [[:space:]]* ]] && subsection=
                if [[ -z $subsection && ($key == mfa_serial || $key == role_arn) ]]; then
                    __awsmfa_remember_profile "$section" mfa
                fi
            fi
        done <"$file"
    done
    \builtin return 0
}

__awsmfa_remember_profile() {
    \builtin local known key="$2:$1"
    # With bash 4's associative array (made by __awsmfa_read_profiles), a name seen before is found at
    # once: scanning the list for each setting made thousands of profiles take minutes.
    if ((BASH_VERSINFO[0] >= 4)); then
        [[ -z ${__awsmfa_seen[$key]-} ]] || \builtin return 0
        __awsmfa_seen[$key]=1
    elif [[ $2 == all ]]; then
        for known in ${__awsmfa_profiles[@]+"${__awsmfa_profiles[@]}"}; do [[ $known == "$1" ]] && \builtin return 0; done
    else
        for known in ${__awsmfa_mfa_profiles[@]+"${__awsmfa_mfa_profiles[@]}"}; do [[ $known == "$1" ]] && \builtin return 0; done
    fi
    if [[ $2 == all ]]; then
        __awsmfa_profiles+=("$1")
    else
        __awsmfa_mfa_profiles+=("$1")
    fi
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

# shellcheck disable=SC2154 # the data at the top defines the __awsmfa_* lists
__awsmfa_offer_values() {
    case $1 in
        profile)
            __awsmfa_read_profiles
            __awsmfa_offer "$2" ${__awsmfa_profiles[@]+"${__awsmfa_profiles[@]}"}
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
        # shellcheck disable=SC2154 # the data at the top defines the __awsmfa_* lists
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

\builtin complete -o bashdefault -o default -F __awsmfa_complete awsmfa
