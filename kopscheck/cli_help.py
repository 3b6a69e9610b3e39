"""How the command line presents itself: plain metavars in help, whatever typer prints."""

from __future__ import annotations

from typing import Any

# Help shows what to type, not Python types: `--bundle DIR`, never `<list[Path]>`.
METAVARS = {
    "bundle": "DIR",
    "out": "PATH",
    "dump": "FILE",
    "kubeconfig": "FILE",
    "baseline": "FILE",
    "write_baseline": "FILE",
    "select": "IDS",
    "skip": "IDS",
    "networking": "MODE",
    "output": "FORMAT",
    "state_store": "S3_URL",
    "wait": "DURATION",
    "interval": "DURATION",
    "request_timeout": "DURATION",
    "count": "N",
    "timeout": "DURATION",
    "max_response_size": "SIZE",
    "max_file_size": "SIZE",
    "log_bytes": "SIZE",
    "log_lines": "N",
    "max_pages": "N",
    "scenario": "SCENARIO",
}


def plain_metavars(command: Any) -> None:
    """Give every option that takes a value a plain metavar (click's, all the way down)."""
    for param in getattr(command, "params", ()):
        if param.param_type_name == "argument":
            # typer prints an argument's Python type after its name (`OLD <path>`): the name
            # already says what to type
            param.display_type_rich = lambda ctx: None
            param.metavar = param.metavar or (param.name or "").upper()
            # usage reads `explain CHECK` and `demo [SCENARIO]`, not typer's `{CHECK}`
            name = param.metavar
            in_usage = name if param.required else f"[{name}]"
            param.make_metavar = lambda ctx, usage=False, u=in_usage, n=name: u if usage else n
            continue
        if getattr(param, "is_flag", False) or param.metavar:
            continue
        name = param.name or ""
        param.metavar = METAVARS.get(name, name.upper().replace("_", "-"))
    for sub in getattr(command, "commands", {}).values():
        plain_metavars(sub)
