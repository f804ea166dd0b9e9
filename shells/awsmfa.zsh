# awsmfa shell integration for zsh. Load it from ~/.zshrc, after your prompt theme:
#
#     eval "$(awsmfa init zsh)"
#
# or source the file install.sh writes. `awsmfa init` fills the __AWSMFA_*__ placeholders below and
# puts the completion script (shells/completion/_awsmfa) in place of its #AWSMFA-COMPLETION-SCRIPT line.
#
#     awsmfa use <profile> [flags]   start a session in this shell (`awsmfa env` applied here)
#     awsmfa unset                   end it, restoring what was there before
#     awsmfa <anything else>         the awsmfa program itself
#
# Functions start with `emulate -L zsh` so that the user's options (ksh_arrays, sh_word_split, …)
# do not change them; names are kept under __awsmfa_ and builtins called as \builtin / \command.

# --- Compiled copy -----------------------------------------------------------------------------------
# Parsing this text is most of what it costs a start. Sourced from a file that holds `init`'s output
# alone (as install.sh writes it: its first line is the digest `init` writes into the test below), it
# compiles that file once (the end of this code), and later starts load the compiled copy, parsing
# nothing. A file that holds more (a .zshrc the output was appended to) is the user's, and is never
# compiled or touched. zsh loads a copy no older than its text, to the second, so a file written again
# in the second it was compiled would still load the old copy: the copy checks that the file's first
# line is still its own digest, and when it is another digest (the file rewritten by `init`), removes
# itself and runs the file's text instead.

typeset -g __awsmfa_source=${(%):-%x} __awsmfa_own_file=
if [[ ${zsh_eval_context[-1]-} == file* ]]; then
    IFS= \builtin read -r __awsmfa_source_line <$__awsmfa_source 2>/dev/null || :
    if [[ ${__awsmfa_source_line-} == '# AWSMFA-DIGEST' ]]; then
        __awsmfa_own_file=1
    elif [[ ${zsh_eval_context[-1]} == filecode && ${#__awsmfa_source_line} == 18 && $__awsmfa_source_line == '# '* && ${__awsmfa_source_line#'# '} != *[^0-9a-f]* ]]; then
        \builtin unset __awsmfa_source_line
        \builtin zmodload -F zsh/files b:zf_rm 2>/dev/null && zf_rm -f -- $__awsmfa_source.zwc 2>/dev/null
        \builtin eval "$(<$__awsmfa_source)"
        \builtin return
    fi
    \builtin unset __awsmfa_source_line
fi

#AWSMFA-COMPLETION-SCRIPT

typeset -g __awsmfa_node=__AWSMFA_NODE__
typeset -g __awsmfa_script=__AWSMFA_SCRIPT__
typeset -g __awsmfa_want_prompt=__AWSMFA_PROMPT__
typeset -g __awsmfa_want_aliases=__AWSMFA_ALIASES__
typeset -g __awsmfa_alias_prefix=__AWSMFA_ALIAS_PREFIX__

__awsmfa_run() {
    \command "$__awsmfa_node" "$__awsmfa_script" "$@"
}

# `use` and `unset` change this shell, which the program cannot do: its code is captured, and applied
# only when the program succeeded, so that a failure returns its status and changes nothing.
__awsmfa_apply() {
    \builtin emulate -L zsh
    \builtin local code
    code=$(__awsmfa_run "$1" --shell zsh "${@[2,-1]}") || \builtin return
    \builtin eval "$code"
}

__awsmfa_main() {
    \builtin emulate -L zsh
    case ${1-} in
        (use) __awsmfa_apply use "${@[2,-1]}" ;;
        (unset) __awsmfa_apply unset "${@[2,-1]}" ;;
        (*) __awsmfa_run "$@" ;;
    esac
}

# An alias of the same name would be expanded inside the definition below. (`|| :`: with no alias to
# remove, unalias fails, which must not end a shell running under `set -e`.)
\builtin unalias __AWSMFA_CMD__ >/dev/null 2>&1 || :
__AWSMFA_CMD__() {
    __awsmfa_main "$@"
}
__awsmfa_completion_names+=(__AWSMFA_CMD__)
__awsmfa_register_completion

# What each profile's alias runs (see Aliases below): `awsmfa use`, under a name shorter than
# `__awsmfa_main use`, as a start pays for every character of thousands of alias definitions.
__awsmfa_use() {
    __awsmfa_main use "$@"
}

# --- Prompt ------------------------------------------------------------------------------------------
# `[doug 41m] ` before the prompt, yellow when AWSMFA_PROMPT_WARN_SECONDS (default 900) or less are
# left, red once expired; nothing without a session. It runs before every prompt and starts no
# process: the clock is zsh/datetime's $EPOCHSECONDS.
#
# The profile name is never expanded as prompt code: `%` is doubled (and `!` too under PROMPT_BANG).
# Under PROMPT_SUBST, PROMPT refers to __awsmfa_prompt_segment, whose value is not expanded again for
# `$(…)`; without it, the escaped text itself is put in front of PROMPT for each prompt.

\builtin zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null
typeset -g __awsmfa_prompt_segment=
typeset -g __awsmfa_prompt_literal=

# Sets __awsmfa_prompt_segment: the indicator as prompt code, or nothing without a session. $1 is
# set when the user's PROMPT_BANG is on (it has to be read before `emulate` resets options).
__awsmfa_prompt_render() {
    \builtin emulate -L zsh
    __awsmfa_prompt_segment=
    [[ -n ${AWSMFA_PROFILE-} ]] || \builtin return 0
    \builtin local expires=${AWSMFA_EXPIRES_AT-} warn=${AWSMFA_PROMPT_WARN_SECONDS-} text= color=
    \builtin local -i now left
    # Read as numbers only once known to be digits: zsh evaluates a variable's contents in arithmetic.
    [[ $warn == <-> ]] || warn=900
    if [[ $expires == <-> ]]; then
        if (( ${+EPOCHSECONDS} )); then
            now=$EPOCHSECONDS
        else
            now=$(\command date +%s) # only if zsh/datetime could not be loaded
        fi
        left=$(( 10#$expires - now ))
        if (( left <= 0 )); then
            text=' expired'
            color=red
        else
            if (( left >= 86400 )); then
                text=" $(( left / 86400 ))d"
                (( left % 86400 / 3600 )) && text+="$(( left % 86400 / 3600 ))h"
            elif (( left >= 3600 )); then
                text=" $(( left / 3600 ))h"
                (( left % 3600 / 60 )) && text+="$(( left % 3600 / 60 ))m"
            elif (( left >= 60 )); then
                text=" $(( left / 60 ))m"
            else
                text=" ${left}s"
            fi
            (( left <= 10#$warn )) && color=yellow
        fi
    fi
    # Control characters (a section name can hold ESC) would retitle the window or clear the screen at
    # every prompt: each becomes a `?`.
    \builtin local profile="${AWSMFA_PROFILE//[[:cntrl:]]/?}"
    profile=${profile//\%/%%}
    [[ -n ${1-} ]] && profile=${profile//\!/!!}
    __awsmfa_prompt_segment="[$profile$text] "
    if [[ -n $color && -z ${NO_COLOR-} ]]; then
        __awsmfa_prompt_segment="%F{$color}$__awsmfa_prompt_segment%f"
    fi
}

# A precmd hook, after the user's (a theme sets PROMPT in its own): puts the indicator in front of
# PROMPT unless it is there already. $? is left as the command before the prompt set it.
__awsmfa_prompt() {
    \builtin local __awsmfa_status=$? subst= bang=
    [[ -o prompt_subst ]] && subst=1
    [[ -o prompt_bang ]] && bang=1
    \builtin emulate -L zsh
    if [[ -n $__awsmfa_want_prompt ]]; then
        __awsmfa_prompt_render $bang
        if [[ -n $subst ]]; then
            [[ $PROMPT == *'${__awsmfa_prompt_segment}'* ]] || PROMPT='${__awsmfa_prompt_segment}'$PROMPT
        else
            [[ -n $__awsmfa_prompt_literal && $PROMPT == "$__awsmfa_prompt_literal"* ]] && PROMPT=${PROMPT#"$__awsmfa_prompt_literal"}
            __awsmfa_prompt_literal=$__awsmfa_prompt_segment
            PROMPT=$__awsmfa_prompt_literal$PROMPT
        fi
    fi
    \builtin return $__awsmfa_status
}

if [[ -n $__awsmfa_want_prompt ]]; then
    \builtin typeset -ga precmd_functions
    (( ${precmd_functions[(Ie)__awsmfa_prompt]} )) || precmd_functions+=(__awsmfa_prompt)
fi

# --- Aliases -----------------------------------------------------------------------------------------
# `aws-doug` = `awsmfa use doug`, for every profile with mfa_serial or role_arn. awsmfa writes them as
# one `alias` command next to the profile index (in the completion code above), which is compiled once
# with zsh's zcompile: a start reads the index's header and loads the compiled code, parsing and
# splitting nothing, however many profiles there are. awsmfa left out names zsh cannot take and names
# of builtins and of commands on PATH; a function defined before this keeps its name.
__awsmfa_define_aliases() {
    \builtin emulate -L zsh
    \builtin local name code digest
    # No word of the aliases' code is a pattern: zsh need not look for one in each (local, by emulate -L).
    \builtin setopt noglob
    __awsmfa_load_index "$__awsmfa_alias_prefix" strict || \builtin return 0
    # $aliases and $functions, read below, are zsh/parameter's (a module, loaded in this process).
    \builtin zmodload zsh/parameter 2>/dev/null || \builtin return 0
    code=${__awsmfa_index_file:h}/aliases-${__awsmfa_alias_prefix//[^A-Za-z0-9_-]/_}.zsh
    # Made with the index by awsmfa since it has aliases in code; an index made before has none yet.
    if [[ ! -r $code ]]; then
        __awsmfa_refresh_index "$__awsmfa_alias_prefix" || :
        [[ -r $code ]] || \builtin return 0
    fi
    IFS= \builtin read -r digest <$code || \builtin return 0
    digest=${digest#\# }
    # The compiled code checks that it was made from this text; when it was not, or there is none yet,
    # or the text is newer (zsh would parse the text rather than load it), it is compiled again, once.
    if [[ ! -f $code.zwc || $code -nt $code.zwc ]] || ! \builtin source $code $digest 2>/dev/null; then
        __awsmfa_compile $code
        \builtin source $code $digest 2>/dev/null || \builtin return 0
    fi
    # Functions are found by a pattern on the names of zsh's function table: no loop over the aliases.
    for name in ${(k)functions[(I)${(b)__awsmfa_alias_prefix}*]}; do
        [[ ${aliases[$name]-} == '__awsmfa_use '* ]] && \builtin unalias -- $name
    done
    \builtin return 0
}

# Compiles $1 into $1.zwc, which `source $1` then loads instead of parsing the text; $2 is a further
# zcompile flag. Written under another name and renamed (zsh/files' zf_mv: no process), so that a
# shell starting meanwhile never loads half a file; no compiled file at all (a module or a write
# missing) leaves the text to parse.
__awsmfa_compile() {
    \builtin emulate -L zsh
    \builtin local made=$1.$$.zwc
    \builtin zmodload -F zsh/files b:zf_mv 2>/dev/null || \builtin return 1
    if \builtin zcompile -R ${2-} $made $1 2>/dev/null && zf_mv -f $made $1.zwc 2>/dev/null; then
        \builtin return 0
    fi
    [[ -e $made ]] && \builtin zmodload -F zsh/files b:zf_rm 2>/dev/null && zf_rm -f $made
    \builtin return 1
}

if [[ -n $__awsmfa_want_aliases ]]; then __awsmfa_define_aliases; fi

# Sourced as text from a file of its own (not eval'd, not a file zsh made for `=(…)`, which is gone
# afterwards): compiled, for the next start to load. Aliases are not expanded in it (-U), as a later
# start might have other aliases than this one.
if [[ ${zsh_eval_context[-1]-} == file && -n $__awsmfa_own_file && $__awsmfa_source == /* && $__awsmfa_source != ${TMPPREFIX:-/tmp/zsh}* && -w ${__awsmfa_source:h} ]]; then
    __awsmfa_compile $__awsmfa_source -U || :
fi
