# awsmfa shell integration for fish. Load it from ~/.config/fish/config.fish, after your prompt:
#
#     awsmfa init fish | source
#
# or source the file install.sh writes. `awsmfa init` fills the __AWSMFA_*__ placeholders below.
#
#     awsmfa use <profile> [flags]   start a session in this shell (`awsmfa env` applied here)
#     awsmfa unset                   end it, restoring what was there before
#     awsmfa <anything else>         the awsmfa program itself

set -g __awsmfa_node __AWSMFA_NODE__
set -g __awsmfa_script __AWSMFA_SCRIPT__
set -g __awsmfa_want_prompt __AWSMFA_PROMPT__
set -g __awsmfa_want_aliases __AWSMFA_ALIASES__
set -g __awsmfa_alias_prefix __AWSMFA_ALIAS_PREFIX__

function __awsmfa_run
    command $__awsmfa_node $__awsmfa_script $argv
end

# `use` and `unset` change this shell, which the program cannot do: its code is captured, and applied
# only when the program succeeded, so that a failure returns its status and changes nothing.
function __awsmfa_apply
    set -l code (__awsmfa_run $argv[1] --shell fish $argv[2..-1])
    set -l code_status $status
    if test $code_status -ne 0
        return $code_status
    end
    printf '%s\n' $code | source
end

function __awsmfa_main
    switch "$argv[1]"
        case use
            __awsmfa_apply use $argv[2..-1]
        case unset
            __awsmfa_apply unset $argv[2..-1]
        case '*'
            __awsmfa_run $argv
    end
end

function __AWSMFA_CMD__ --description 'awsmfa: MFA sessions for the AWS CLI (use, unset, and the rest)'
    __awsmfa_main $argv
end
if test __AWSMFA_CMD__ != awsmfa
    complete -c __AWSMFA_CMD__ --wraps awsmfa
end

# --- Prompt ------------------------------------------------------------------------------------------
# `[doug 41m] ` before the prompt, yellow when AWSMFA_PROMPT_WARN_SECONDS (default 900) or less are
# left, red once expired; nothing without a session. It starts no process (fish 3.5 and later, see
# __awsmfa_now). The profile name is printed, never evaluated.

# The time in epoch seconds. fish has no clock builtin, but `path mtime` gives a file's modification
# time and `path mtime --relative` its age, both in whole seconds and both builtins: their sum is now.
# fish before 3.5 has no `path`, and asks `date`.
function __awsmfa_now
    if builtin -q path
        set -l times (path mtime -- /) (path mtime --relative -- /)
        if test (count $times) -eq 2
            math $times[1] + $times[2]
            return 0
        end
    end
    command date +%s
end

function __awsmfa_prompt_segment --description 'The awsmfa session indicator for a prompt'
    set -q AWSMFA_PROFILE; and test -n "$AWSMFA_PROFILE"; or return 0
    set -l warn $AWSMFA_PROMPT_WARN_SECONDS
    string match -qr '^[0-9]+$' -- "$warn"; or set warn 900
    set -l text ''
    set -l color ''
    if string match -qr '^[0-9]+$' -- "$AWSMFA_EXPIRES_AT"
        set -l left (math $AWSMFA_EXPIRES_AT - (__awsmfa_now))
        if test $left -le 0
            set text ' expired'
            set color red
        else
            set -l days (math --scale 0 "floor($left / 86400)")
            set -l hours (math --scale 0 "floor($left % 86400 / 3600)")
            set -l minutes (math --scale 0 "floor($left % 3600 / 60)")
            if test $days -gt 0
                set text " $days"d
                test $hours -gt 0; and set text "$text$hours"h
            else if test $hours -gt 0
                set text " $hours"h
                test $minutes -gt 0; and set text "$text$minutes"m
            else if test $minutes -gt 0
                set text " $minutes"m
            else
                set text " $left"s
            end
            test $left -le $warn; and set color yellow
        end
    end
    # Control characters (a section name can hold ESC) would retitle the window or clear the screen at
    # every prompt: each becomes a `?`.
    # (Spelt out: PCRE's [[:cntrl:]] leaves out the C1 controls, such as the one-byte CSI.)
    set -l profile (string replace -ra '[\x00-\x1f\x7f-\x9f]' '?' -- "$AWSMFA_PROFILE")
    if test -n "$color" -a -z "$NO_COLOR"
        set_color $color
        printf '[%s%s] ' "$profile" $text
        set_color normal
    else
        printf '[%s%s] ' "$profile" $text
    end
end

function __awsmfa_restore_status
    return $argv[1]
end

# The user's fish_prompt is kept as __awsmfa_user_fish_prompt and called after the indicator, with
# $status as the command before the prompt left it. Only once: loading this again must not wrap the
# wrapper.
if test -n "$__awsmfa_want_prompt"; and not functions -q __awsmfa_user_fish_prompt
    functions -q fish_prompt; and functions -c fish_prompt __awsmfa_user_fish_prompt
    function fish_prompt --description 'awsmfa session indicator, then the prompt it wraps'
        set -l last_status $status
        __awsmfa_prompt_segment
        if functions -q __awsmfa_user_fish_prompt
            __awsmfa_restore_status $last_status
            __awsmfa_user_fish_prompt
        end
    end
end

# --- Aliases -----------------------------------------------------------------------------------------
# `aws-doug` = `awsmfa use doug`, for every profile with mfa_serial or role_arn: awsmfa keeps one
# function file per alias in a directory of the profile index (in the completion code above), which
# goes last on fish_function_path. fish loads a function from there the first time its name is used,
# so a shell start defines none of them however many there are, and a function of the same name the
# user has (earlier on the path, or already defined) wins. awsmfa left out names fish cannot take and
# names of builtins and of commands on PATH.
if test -n "$__awsmfa_want_aliases"
    if __awsmfa_load_index $__awsmfa_alias_prefix strict; and test -n "$__awsmfa_index_functions"
        # `if`, not `or`: `set` passes the previous status through, and loading this must end with 0.
        if not contains -- $__awsmfa_index_functions $fish_function_path
            set -ga fish_function_path $__awsmfa_index_functions
        end
    end
end
