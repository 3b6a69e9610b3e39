"""What may follow `--` on `kopscheck provision`: kops flags kopscheck neither sets nor judges.

Why: kops (pflag) lets the last occurrence of a flag win, and the passthrough comes last. So
`-- --name other` would make teardown delete another cluster, `-- --yes` would make the dry run
create one, and `-- --node-count 200` would build what preflight never judged. Every flag that
kopscheck sets, judges or relies on is refused after `--`, in every spelling kops accepts
(`--flag value`, `--flag=value`, its shorthand, shorthands run together), and so is a bare
word (kops reads it as the cluster name) and a second `--` (everything after it is a bare word).
"""

from __future__ import annotations

from kopscheck.model.errors import InputError

# kops flag -> what to use instead (a kopscheck flag, or why there is none)
OWNED: dict[str, str] = {
    "name": "use --name",
    "state": "use --state-store",
    "config": "kopscheck passes --state itself; use --state-store",
    "zones": "use --zones",
    "networking": "use --networking",
    "node-count": "use --node-count",
    "node-size": "use --node-size",
    "control-plane-size": "use --control-plane-size",
    "master-size": "use --control-plane-size",
    "control-plane-zones": "use --control-plane-zones",
    "master-zones": "use --control-plane-zones",
    "control-plane-count": "preflight plans one control plane per --control-plane-zones zone",
    "master-count": "preflight plans one control plane per --control-plane-zones zone",
    "topology": "use --topology",
    "kubernetes-version": "use --kubernetes-version",
    "yes": "kopscheck runs kops update cluster --yes itself; leave out --dry-run to create",
    "dry-run": "use --dry-run",
    "output": "kopscheck reads kops's output itself; use -o for kopscheck's report",
    "cloud": "kopscheck provision builds AWS clusters only",
    "target": "kopscheck provision has kops create the cluster itself (the direct target)",
}
# kops create cluster's shorthands: the three kopscheck owns, and the two it does not
OWNED_SHORT = {"o": "output", "t": "topology", "y": "yes"}
SHORT_WITH_VALUE = frozenset({"v"})  # -v LEVEL
# kops create cluster's boolean flags (and the klog ones kops inherits): they take no
# separate value, so a bare word after one is a positional argument
BOOLEAN = frozenset(
    {
        "associate-public-ip",
        "bastion",
        "disable-subnet-tags",
        "dry-run",
        "encrypt-etcd-storage",
        "help",
        "ipv6",
        "os-kubelet-ignore-az",
        "os-octavia",
        "yes",
        "add_dir_header",
        "alsologtostderr",
        "logtostderr",
        "one_output",
        "skip_headers",
        "skip_log_headers",
    }
)
FIELD = "provision --"


def check_passthrough(args: tuple[str, ...]) -> tuple[str, ...]:
    """`args` unchanged when kops may have them; else InputError naming the first bad one."""
    takes_value = False  # the previous argument was `--flag` and this one is its value
    for arg in args:
        if takes_value and not arg.startswith("-"):
            takes_value = False
            continue
        takes_value = False
        if arg == "--":
            _refuse(arg, "after it kops reads every argument as the cluster name")
        elif arg.startswith("--"):
            flag, equals, _value = arg[2:].partition("=")
            if flag in OWNED:
                _refuse(f"--{flag}", OWNED[flag])
            takes_value = not equals and flag not in BOOLEAN
        elif arg.startswith("-") and len(arg) > 1:
            takes_value = _check_shorthands(arg)
        else:
            _refuse(arg, "kops reads a bare word as the cluster name; use --name")
    return args


def _check_shorthands(arg: str) -> bool:
    """`-y`, `-tprivate`, `-v2`, `-hy`: refuse an owned one; True when the next argument is
    a value (`-v 2`)."""
    letters = arg[1:].partition("=")[0]
    for index, letter in enumerate(letters):
        if letter in OWNED_SHORT:
            flag = OWNED_SHORT[letter]
            _refuse(f"-{letter} (--{flag})", OWNED[flag])
        if letter in SHORT_WITH_VALUE:
            return index == len(letters) - 1 and "=" not in arg
    return False


def _refuse(what: str, instead: str) -> None:
    raise InputError(
        FIELD,
        f"{what} is kopscheck's to set, not a kops flag to pass through ({instead})",
    )
