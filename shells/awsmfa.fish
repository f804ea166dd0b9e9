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
# left, red once expired; nothing without a session. fish has no clock of its own, so a prompt with
# a session runs one process (`date`); one without runs none. The profile name is printed, never
# evaluated.

function __awsmfa_prompt_segment --description 'The awsmfa session indicator for a prompt'
    set -q AWSMFA_PROFILE; and test -n "$AWSMFA_PROFILE"; or return 0
    set -l warn $AWSMFA_PROMPT_WARN_SECONDS
    string match -qr '^[0-9]+$' -- "$warn"; or set warn 900
    set -l text ''
    set -l color ''
    if string match -qr '^[0-9]+$' -- "$AWSMFA_EXPIRES_AT"
        set -l left (math $AWSMFA_EXPIRES_AT - (command date +%s))
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
# `aws-doug` = `awsmfa use doug`, for every profile with mfa_serial or role_arn, read from the config
# now, so each new shell has the profiles the config has then. Names fish cannot take are skipped.
if test -n "$__awsmfa_want_aliases"
    for __awsmfa_profile in (__awsmfa_read_profiles --mfa)
        set -l name $__awsmfa_alias_prefix$__awsmfa_profile
        string match -qr '^[A-Za-z0-9_.@+:][A-Za-z0-9_.@+:-]*$' -- $name; or continue
        contains -- $name and or not begin end if else while for in switch case function return break continue builtin command exec set test; and continue
        function $name --inherit-variable __awsmfa_profile --description "awsmfa use $__awsmfa_profile"
            __awsmfa_main use $__awsmfa_profile $argv
        end
    end
    set -e __awsmfa_profile
end
