# shellcheck shell=bash
# awsmfa shell integration for bash (3.2 and later). Load it from ~/.bashrc, after anything that sets
# PS1 or PROMPT_COMMAND:
#
#     eval "$(awsmfa init bash)"
#
# or source the file install.sh writes. `awsmfa init` fills the __AWSMFA_*__ placeholders below.
#
#     awsmfa use <profile> [flags]   start a session in this shell (`awsmfa env` applied here)
#     awsmfa unset                   end it, restoring what was there before
#     awsmfa <anything else>         the awsmfa program itself
#
# Names are kept under __awsmfa_ and builtins are called as \builtin / \command, so that neither the
# user's aliases nor functions of the same names change what this code does.

# shellcheck disable=SC2016 # single-quoted on purpose: a path or prefix holding `$(` stays literal
{
    __awsmfa_node=__AWSMFA_NODE__
    __awsmfa_script=__AWSMFA_SCRIPT__
    __awsmfa_want_prompt=__AWSMFA_PROMPT__
    __awsmfa_want_aliases=__AWSMFA_ALIASES__
    __awsmfa_alias_prefix=__AWSMFA_ALIAS_PREFIX__
}

# What only Tab runs, two thirds of the completion script, is not read at a start: bash spends about
# as long reading text as parsing it, comments and quoted strings included. Until the first Tab the
# function below stands for the completer. It loads the completion script awsmfa ships, the file
# whose path `awsmfa init` put here, having checked that it holds what awsmfa would print (or, when
# it has gone, what `awsmfa completions bash` prints); that defines the real completer in its place,
# which it then calls. No alias is expanded in that code (it calls builtins as \builtin anyway, but an
# alias defined since the start was never seen by it), and `set -v` and `set -x` do not print it.
# When the file differs, `init` puts the whole script below, and its completer replaces this one.
__awsmfa_completion_file=__AWSMFA_COMPLETION_FILE__
__awsmfa_complete() {
    # Dynamic scope: called again from here, it finds this local and stops, should nothing have
    # replaced it.
    [[ -z ${__awsmfa_loading_tab-} ]] || \builtin return 1
    \builtin local __awsmfa_loading_tab=1 __awsmfa_flags=$- __awsmfa_expand=
    if \builtin shopt -q expand_aliases; then __awsmfa_expand=1; fi
    \builtin shopt -u expand_aliases
    \builtin set +vx
    if [[ -n $__awsmfa_completion_file && -r $__awsmfa_completion_file ]]; then
        \builtin source "$__awsmfa_completion_file"
    else
        \builtin eval "$(__awsmfa_run completions bash 2>/dev/null)"
    fi
    if [[ -n $__awsmfa_expand ]]; then \builtin shopt -s expand_aliases; fi
    if [[ $__awsmfa_flags == *v* ]]; then \builtin set -v; fi
    if [[ $__awsmfa_flags == *x* ]]; then \builtin set -x; fi
    __awsmfa_complete "$@"
}

# The completion script (shells/completion/awsmfa.bash) is put on the next line by `awsmfa init`: what
# a start needs (the profile index, which the aliases read, and the `complete` registration), or all
# of it when the shipped file is not what awsmfa would print.
#AWSMFA-COMPLETION-SCRIPT

__awsmfa_run() {
    \command "$__awsmfa_node" "$__awsmfa_script" "$@"
}

# `use` and `unset` change this shell, which the program cannot do: its code is captured, and applied
# only when the program succeeded, so that a failure returns its status and changes nothing.
__awsmfa_apply() {
    \builtin local __awsmfa_code __awsmfa_status
    __awsmfa_code=$(__awsmfa_run "$1" --shell bash "${@:2}")
    __awsmfa_status=$?
    if [[ $__awsmfa_status -ne 0 ]]; then
        \builtin return "$__awsmfa_status"
    fi
    \builtin eval "$__awsmfa_code"
}

__awsmfa_main() {
    case ${1-} in
        use)
            \builtin shift
            __awsmfa_apply use "$@"
            ;;
        unset)
            \builtin shift
            __awsmfa_apply unset "$@"
            ;;
        *) __awsmfa_run "$@" ;;
    esac
}

# An alias of the same name would be expanded inside the definition below. (`|| :`: with no alias to
# remove, unalias fails, which must not end a shell running under `set -e`.)
\builtin unalias __AWSMFA_CMD__ >/dev/null 2>&1 || :
__AWSMFA_CMD__() {
    __awsmfa_main "$@"
}
\builtin complete -o bashdefault -o default -F __awsmfa_complete __AWSMFA_CMD__

# What each profile's alias runs (see Aliases below): `awsmfa use`, under a name shorter than
# `__awsmfa_main use`, as a start pays for every character of thousands of alias definitions.
__awsmfa_use() {
    __awsmfa_main use "$@"
}

# --- Prompt ------------------------------------------------------------------------------------------
# `[doug 41m] ` before the prompt, yellow when AWSMFA_PROMPT_WARN_SECONDS (default 900) or less are
# left, red once expired; nothing without a session. It runs before every prompt, so it starts no
# process (bash 4.2 and later) and leaves $? as it found it.
#
# The profile name is never put into PS1's text, where bash would expand `$(…)` and backslash escapes
# in it: PS1 refers to __awsmfa_prompt_text, and the result of a parameter expansion is not expanded
# again. Colours are set the same way, inside \[ \] so that readline knows they take no room.

__awsmfa_prompt_text=
__awsmfa_prompt_color=
__awsmfa_prompt_reset=
# shellcheck disable=SC2016 # expanded by bash when the prompt is shown, not here
__awsmfa_prompt_reference='\[${__awsmfa_prompt_color}\]${__awsmfa_prompt_text}\[${__awsmfa_prompt_reset}\]'
__awsmfa_prompt_literal=

# Sets __awsmfa_prompt_text/_color/_reset for the session in AWSMFA_PROFILE and AWSMFA_EXPIRES_AT.
__awsmfa_prompt_render() {
    # It runs before every prompt: few commands, each doing what it must (bash's cost is per command).
    __awsmfa_prompt_text='' __awsmfa_prompt_color='' __awsmfa_prompt_reset=''
    [[ -n ${AWSMFA_PROFILE-} ]] || \builtin return 0
    # Quoted: bash 3.2 splits the words of `local` as it does a command's.
    \builtin local expires="${AWSMFA_EXPIRES_AT-}" warn="${AWSMFA_PROMPT_WARN_SECONDS-}" now left left_text profile="$AWSMFA_PROFILE"
    # Control characters (a section name can hold ESC) would retitle the window or clear the screen at
    # every prompt: each becomes a `?`.
    [[ $profile == *[[:cntrl:]]* ]] && profile=${profile//[[:cntrl:]]/?}
    # Both are read as numbers only after checking that they are digits: bash evaluates the contents
    # of a variable used in arithmetic as an expression, `a[$(…)]` included.
    [[ -n $warn && $warn != *[!0-9]* ]] || warn=900
    if [[ -z $expires || $expires == *[!0-9]* ]]; then
        __awsmfa_prompt_text="[$profile] "
        \builtin return 0
    fi
    if [[ -n ${EPOCHSECONDS-} ]]; then
        now=$EPOCHSECONDS
    elif ((BASH_VERSINFO[0] > 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] >= 2))); then
        \builtin printf -v now '%(%s)T' -1
    else
        now=$(\command date +%s) # bash before 4.2 has no clock of its own
    fi
    if (((left = 10#$expires - now) <= 0)); then
        left_text=expired
        __awsmfa_prompt_color=$'\e[31m'
    else
        if ((left >= 3600)); then
            if ((left >= 86400)); then
                left_text=$((left / 86400))d
                ((left % 86400 / 3600)) && left_text+=$((left % 86400 / 3600))h
            else
                left_text=$((left / 3600))h
                ((left % 3600 / 60)) && left_text+=$((left % 3600 / 60))m
            fi
        elif ((left >= 60)); then
            left_text=$((left / 60))m
        else
            left_text=${left}s
        fi
        ((left <= 10#$warn)) && __awsmfa_prompt_color=$'\e[33m'
    fi
    if [[ -n $__awsmfa_prompt_color && -z ${NO_COLOR-} ]]; then
        __awsmfa_prompt_reset=$'\e[0m'
    else
        __awsmfa_prompt_color=
    fi
    __awsmfa_prompt_text="[$profile $left_text] "
}

# Runs before each prompt, after the user's PROMPT_COMMAND, so it sees the PS1 they (or their theme)
# just set, and puts the indicator in front of it unless it is there already.
__awsmfa_prompt() {
    \builtin local __awsmfa_status=$?
    if [[ -n $__awsmfa_want_prompt ]]; then
        __awsmfa_prompt_render
        if \builtin shopt -q promptvars; then
            [[ $PS1 == *"$__awsmfa_prompt_reference"* ]] || PS1=$__awsmfa_prompt_reference$PS1
        else
            # Without promptvars PS1 is not expanded at all, so the text itself goes in, with its
            # backslashes doubled, replacing what was put there for the previous prompt.
            [[ -n $__awsmfa_prompt_literal && $PS1 == "$__awsmfa_prompt_literal"* ]] && PS1=${PS1#"$__awsmfa_prompt_literal"}
            __awsmfa_prompt_literal=
            if [[ -n $__awsmfa_prompt_text ]]; then
                __awsmfa_prompt_literal="\\[$__awsmfa_prompt_color\\]${__awsmfa_prompt_text//\\/\\\\}\\[$__awsmfa_prompt_reset\\]"
            fi
            PS1=$__awsmfa_prompt_literal$PS1
        fi
    fi
    \builtin return "$__awsmfa_status"
}

__awsmfa_install_prompt() {
    if [[ -n ${bash_preexec_imported-}${__bp_imported-} ]]; then
        # bash-preexec runs precmd_functions itself and takes anything later in PROMPT_COMMAND for a
        # command the user typed.
        [[ " ${precmd_functions[*]-} " == *' __awsmfa_prompt '* ]] || precmd_functions+=(__awsmfa_prompt)
    elif [[ "${PROMPT_COMMAND[*]-}" != *__awsmfa_prompt* ]]; then
        # Under `set -u`, counting the elements of an unset PROMPT_COMMAND is an error.
        if [[ -n ${PROMPT_COMMAND+set} ]] && ((${#PROMPT_COMMAND[@]} > 1)); then
            PROMPT_COMMAND+=(__awsmfa_prompt) # bash 5.1's array form: one more element
        else
            # A string (or an array of one): one more line of it. Assigning without an index sets
            # element 0, so this is right for both.
            # shellcheck disable=SC2128,SC2178 # element 0 on purpose, as said above
            PROMPT_COMMAND="${PROMPT_COMMAND:+$PROMPT_COMMAND$'\n'}__awsmfa_prompt"
        fi
    fi
}

# --- Aliases -----------------------------------------------------------------------------------------
# `aws-doug` = `awsmfa use doug`, for every profile with mfa_serial or role_arn. awsmfa writes their
# definitions next to the profile index (in the completion code above), one a line in a file of their
# own, so each new shell has the profiles the config has then, at the cost of reading the index's
# header, one `mapfile` and one `alias` call however many there are. awsmfa left out names bash cannot
# take and names of builtins and of commands on PATH; a function of the same name defined before this
# keeps its name too.
__awsmfa_define_aliases() {
    \builtin local probe name file i=0
    \builtin local -a __awsmfa_index_aliases
    __awsmfa_load_index "$__awsmfa_alias_prefix" strict || \builtin return 0
    # shellcheck disable=SC2154 # __awsmfa_load_index (in the completion code) sets it
    file=${__awsmfa_index_file%/*}/aliases-${__awsmfa_alias_prefix//[!A-Za-z0-9_-]/_}.bash
    # Made with the index by awsmfa since it keeps the aliases apart; an index made before has none yet.
    if [[ ! -r $file ]]; then
        __awsmfa_refresh_index "$__awsmfa_alias_prefix" || :
        [[ -r $file ]] || \builtin return 0
    fi
    if ((BASH_VERSINFO[0] >= 4)); then
        \builtin mapfile -t __awsmfa_index_aliases <"$file"
    else
        # bash 3.2 has no mapfile: a line at a time.
        while IFS= \builtin read -r name; do
            __awsmfa_index_aliases[i]=$name
            ((i += 1))
        done <"$file"
    fi
    ((${#__awsmfa_index_aliases[@]} > 0)) || \builtin return 0
    __awsmfa_alias_all
    # The shell's functions are known only here. Listing them costs a write to a file of the index's
    # directory (capturing compgen's output would start a subshell); only those few are looked at.
    probe=${__awsmfa_index_file%/*}/functions.bash
    if \builtin compgen -A function -- "$__awsmfa_alias_prefix" >|"$probe" 2>/dev/null; then
        while IFS= \builtin read -r name; do
            # Only an alias made here goes (bash 3.2 has no BASH_ALIASES, so there its name decides).
            if ((BASH_VERSINFO[0] >= 4)); then
                [[ ${BASH_ALIASES[$name]-} == '__awsmfa_use '* ]] || continue
            else
                [[ " ${__awsmfa_index_aliases[*]}" == *" $name=__awsmfa_use "* ]] || continue
            fi
            \builtin unalias -- "$name" 2>/dev/null
        done <"$probe"
    fi
    \builtin return 0
}

# Gives every alias in __awsmfa_index_aliases to one `alias` call. Expanded unquoted, split at line
# breaks only and with globbing off: a quoted "${array[@]}" costs bash a quarter more (it joins the
# elements and splits them again either way), and no alias definition holds a line break. (Globbing is
# put back only if it was on: `local -` would do that, from bash 4.4 on.)
__awsmfa_alias_all() {
    \builtin local IFS=$'\n' glob=
    [[ $- == *f* ]] || glob=1
    \builtin set -f
    # shellcheck disable=SC2068 # split at line breaks on purpose, as said above
    \builtin alias -- ${__awsmfa_index_aliases[@]}
    [[ -z $glob ]] || \builtin set +f
}

if [[ -n $__awsmfa_want_prompt ]]; then __awsmfa_install_prompt; fi
if [[ -n $__awsmfa_want_aliases ]]; then __awsmfa_define_aliases; fi
