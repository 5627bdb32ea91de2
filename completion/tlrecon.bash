# bash completion for tlrecon
_tlrecon() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  }
  local commands="report timeline check snapshot verify"
  local common="--dsn --from --since --until --around --window --config --lookback --timeout --quiet --help"
  local thresholds="--gap-min --gap-factor --grace --burst-gap --tolerance"
  local cmd="" i
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      report|timeline|check|snapshot|verify) cmd=${words[i]}; break ;;
    esac
  done
  case $prev in
    --from|--out) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --config|--annotate) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --fail-on|--min-severity) COMPREPLY=($(compgen -W "info low medium high critical" -- "$cur")); return ;;
    --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
    --tz) COMPREPLY=($(cd /usr/share/zoneinfo 2>/dev/null && compgen -f -- "$cur")); return ;;
    --format)
      case $cmd in
        report) COMPREPLY=($(compgen -W "markdown text json" -- "$cur")) ;;
        timeline) COMPREPLY=($(compgen -W "text jsonl csv" -- "$cur")) ;;
        check) COMPREPLY=($(compgen -W "text json junit github" -- "$cur")) ;;
      esac
      return ;;
    --require) COMPREPLY=($(compgen -W "logging_gap orphaned_decision unexplained_scale_up orchestrator_restart early_termination worker_never_promoted stale_heartbeat workflow_failure clock_skew" -- "$cur")); return ;;
    --dsn|--expect|--since|--until|--around|--window|--lookback|--timeout|--gap-min|--gap-factor|--grace|--burst-gap|--tolerance)
      return ;;
  esac
  case $cmd in
    "") COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur")) ;;
    report) COMPREPLY=($(compgen -W "$common $thresholds --format --tz --full --color --annotate --fail-on" -- "$cur")) ;;
    timeline) COMPREPLY=($(compgen -W "$common --format --tz --wide" -- "$cur")) ;;
    check) COMPREPLY=($(compgen -W "$common $thresholds --format --fail-on --min-severity --require" -- "$cur")) ;;
    snapshot) COMPREPLY=($(compgen -W "${common/--from /} --out" -- "$cur")) ;;
    verify)
      if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--expect --help" -- "$cur"))
      else
        COMPREPLY=($(compgen -d -- "$cur"))
      fi ;;
  esac
}
complete -F _tlrecon tlrecon
