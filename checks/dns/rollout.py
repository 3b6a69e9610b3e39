from __future__ import annotations

from kopscheck.checkapi.check import Check
from kopscheck.checkapi.context import CheckContext
from kopscheck.knowledge.cluster_dns import DNS_SERVICE, find_dns_service, kubelet_cluster_dns
from kopscheck.knowledge.pod_health import pod_problem, recovered
from kopscheck.knowledge.rollout import rollout_codes, rollout_findings
from kopscheck.knowledge.selectors import matches, pods_of
from kopscheck.knowledge.signals import Signal
from kopscheck.model.facts import JSON, Endpoints, Fact, ObjectRef, Pod, Service, Snapshot, Workload
from kopscheck.model.results import Code, Finding, Status, Verdict

DNS_NAMES = ("coredns", "kube-dns")
DNS_KINDS = ("Deployment", "DaemonSet", "ReplicationController")
LOOP_FIX = (
    "Give CoreDNS a real upstream resolver instead of one that forwards back to it, then delete"
    " the CoreDNS pods so they restart. Either point the kubelet's resolvConf"
    " (spec.kubelet.resolvConf in the kops cluster spec) at a file that names no local stub such"
    " as 127.0.0.53 (on Ubuntu: /run/systemd/resolve/resolv.conf), or set the forward plugin in"
    " the CoreDNS Corefile to the VPC resolver (169.254.169.253). This is a DNS configuration"
    " problem, not a CNI one: https://coredns.io/plugins/loop#troubleshooting"
)

ROLLOUT_FIXES = {
    "nothing-wanted": (
        "Scale cluster DNS back up (kubectl -n kube-system scale deployment coredns --replicas=2;"
        " kops: the coredns addon, or its cluster-proportional autoscaler, sets the count)."
    ),
    "pods-not-ready": (
        "The DNS workload waits for its pods: fix what the pod findings name (the CNI provider"
        " for Pending or ContainerCreating pods, the Corefile or upstream for crash loops)."
    ),
    "rollout-not-observed": (
        "Check kube-controller-manager runs and read its log: it has not observed the DNS"
        " workload's latest spec."
    ),
    "rollout-in-progress": (
        "Let the DNS rollout finish (kubectl -n kube-system rollout status deployment/coredns);"
        " if it is stuck, the new pods' events say why."
    ),
    "misscheduled": (
        "Delete the DNS pods on nodes the workload no longer selects, so the controller places"
        " them again."
    ),
}


class DnsRollout(Check):
    """kube-dns/CoreDNS is fully rolled out and its Service has ready endpoints.

    Why: cluster DNS is the first workload that needs pod networking, so it is the first to
    show that networking is broken: its pods stay Pending on the not-ready taint, stick in
    ContainerCreating when the CNI cannot set up their sandbox, or crash-loop. Every pod that
    resolves a Service name depends on it.

    Fix: look at why the pods listed are not ready. Pending on node.kubernetes.io/not-ready or
    FailedCreatePodSandBox: fix the CNI provider first (the nodes will turn Ready and DNS
    follows). CrashLoopBackOff with "plugin/loop ... loop detected": the node's resolv.conf
    points back at CoreDNS; set the kubelet's resolvConf or CoreDNS's forward target.

    Step: "kube-dns daemonset starts" (Troubleshooting, Validating CNI Installation).
    """

    id = "dns.rollout"
    family = "dns"
    needs = frozenset({Fact.WORKLOADS, Fact.PODS})
    wants = frozenset(
        {
            Fact.SERVICES,
            Fact.ENDPOINTS,
            Fact.EVENTS,
            Fact.NODES,
            Fact.POD_LOGS,
            Fact.NODE_FILES,
            Fact.KOPS_CLUSTER,
        }
    )
    explains: frozenset[str] = frozenset()
    codes = {
        **rollout_codes(ROLLOUT_FIXES),
        "not-deployed": Code(
            "no kube-dns or CoreDNS workload in kube-system",
            fix=(
                "Deploy cluster DNS: kops installs CoreDNS as an addon (spec.kubeDNS.provider: "
                "CoreDNS) and kops update cluster --yes re-applies it; without kops, install "
                "CoreDNS's manifest or chart. First look for it under another name: kubectl "
                "get deploy,ds -A -l k8s-app=kube-dns."
            ),
        ),
        "pod-not-ready": Code(
            "a DNS pod is not running and ready (Pending, crash-looping, not ready)",
            fix=(
                "Look at why each DNS pod listed is not ready: Pending on "
                "node.kubernetes.io/not-ready or FailedCreatePodSandBox means fixing the CNI "
                "provider first (the nodes turn Ready and DNS follows); a crash loop is read "
                "in its log (kubectl -n kube-system logs POD --previous)."
            ),
        ),
        "forwarding-loop": Code(
            "CoreDNS detected a forwarding loop (plugin/loop) and exits", fix=LOOP_FIX
        ),
        "recovered": Code(
            "a DNS pod restarted or logged errors earlier and runs ready now (a note, not a fail)",
        ),
        "no-service": Code(
            "no Service is the cluster DNS: none at the kubelets' clusterDNS address, none"
            " labelled k8s-app=kube-dns, none named kube-dns",
            fix=(
                "Create the DNS Service at the kubelets' clusterDNS address (kops: the CoreDNS "
                "addon creates kube-system/kube-dns at spec.kubeDNS.serverIP, and kops update "
                "cluster --yes re-applies it): every pod's resolv.conf points there."
            ),
        ),
        "no-ready-endpoints": Code(
            "the cluster DNS Service has no ready endpoints",
            fix=(
                "Get the DNS pods behind the Service ready (the pod findings say why they are "
                "not); if they are ready, make the Service's selector match their labels "
                "(kubectl -n kube-system get endpoints)."
            ),
        ),
        "ready-endpoints": Code("the cluster DNS Service has ready endpoints"),
    }

    def run(self, context: CheckContext) -> Verdict:
        snapshot = context.snapshot
        workloads = [w for w in snapshot.workloads or () if _is_dns(w)]
        if not workloads:
            return Verdict(
                "no kube-dns or CoreDNS Deployment, DaemonSet or ReplicationController found",
                (
                    Finding(
                        Status.FAIL,
                        "cluster DNS is not deployed in kube-system",
                        code="not-deployed",
                    ),
                ),
            )
        findings: list[Finding] = []
        pods: list[Pod] = []
        for workload in workloads:
            own = pods_of(workload, snapshot.pods or ())
            pods += own
            findings += _workload_findings(workload)
            findings += _pod_findings(context, own)
        findings += _service_findings(snapshot, workloads, pods)
        summary = _summary(workloads, findings)
        if any(Signal.DNS_LOOP in f.signals for f in findings):
            summary += "; CoreDNS reports a forwarding loop (plugin/loop)"
        return Verdict(summary, tuple(findings))


def _is_dns(workload: Workload) -> bool:
    if workload.namespace != "kube-system" or workload.kind not in DNS_KINDS:
        return False
    named = any(workload.name == n or workload.name.startswith(f"{n}-v") for n in DNS_NAMES)
    return named or workload.selector.get("k8s-app") == "kube-dns"


def _workload_findings(w: Workload) -> list[Finding]:
    return rollout_findings(w, "scaled to zero: no DNS pods wanted")


def _pod_findings(context: CheckContext, pods: list[Pod]) -> list[Finding]:
    snapshot = context.snapshot
    events = context.events_by_object
    nodes = context.nodes_by_name
    findings = []
    for pod in pods:
        own = None if snapshot.events is None else events.get(pod.ref, [])
        problem = pod_problem(pod, own, nodes, snapshot.pod_logs or ())
        if problem is None:
            note = recovered(pod, snapshot.pod_logs or ())
            if note is not None:
                findings.append(
                    Finding(Status.PASS, note.message, pod.ref, note.evidence, code="recovered")
                )
            continue
        findings.append(
            Finding(
                Status.FAIL,
                problem.message,
                pod.ref,
                problem.evidence,
                related=problem.related,
                signals=problem.signals,
                code="forwarding-loop" if Signal.DNS_LOOP in problem.signals else "pod-not-ready",
            )
        )
    return findings


def _service_findings(
    snapshot: Snapshot, workloads: list[Workload], pods: list[Pod]
) -> list[Finding]:
    if snapshot.services is None:
        return []
    kubelets = kubelet_cluster_dns(snapshot.node_files, snapshot.kops_cluster)
    found = find_dns_service(snapshot.services, kubelets)
    service = found.service
    if service is None:
        message = f"no cluster DNS Service: {found.how}"
        ref = ObjectRef("Service", DNS_SERVICE, "kube-system")
        evidence: dict[str, JSON] = {
            "cluster_dns": list(kubelets.addresses) if kubelets else None,
            "cluster_dns_source": kubelets.source if kubelets else None,
        }
        return [Finding(Status.FAIL, message, ref, evidence, code="no-service")]
    ref = ObjectRef("Service", service.name, service.namespace)
    endpoints = _endpoints(snapshot, service)
    if endpoints is None:
        ready = [p.name for p in pods if p.ready and matches(service.selector, p.labels)]
        source = "ready pods matching the Service selector (endpoints not collected)"
    else:
        ready = [a.target.name if a.target else a.ip for a in endpoints.ready]
        source = f"Endpoints {service.namespace}/{service.name}"
    evidence = {
        "service_found_by": found.how,
        "cluster_ip": service.cluster_ip,
        "selector": dict(service.selector),
        "ready_endpoints": sorted(ready),
        "source": source,
    }
    if not ready:
        selects = any(matches(service.selector, w.template_labels) for w in workloads)
        hint = "" if selects else "; its selector matches none of the DNS pods"
        message = f"no ready endpoints behind {service.cluster_ip or 'the Service'}{hint}"
        return [Finding(Status.FAIL, message, ref, evidence, code="no-ready-endpoints")]
    ready_endpoints = f"{len(ready)} ready endpoints"
    return [Finding(Status.PASS, ready_endpoints, ref, evidence, code="ready-endpoints")]


def _endpoints(snapshot: Snapshot, service: Service) -> Endpoints | None:
    if snapshot.endpoints is None:
        return None
    found = (
        e for e in snapshot.endpoints if (e.namespace, e.name) == (service.namespace, service.name)
    )
    return next(found, Endpoints(service.namespace, service.name))


def _recovered(finding: Finding) -> bool:
    return finding.status is Status.PASS and finding.message.startswith("recovered:")


def _summary(workloads: list[Workload], findings: list[Finding]) -> str:
    rollouts = ", ".join(
        f"{w.kind} {w.namespace}/{w.name} {w.ready}/{w.desired} ready" for w in workloads
    )
    problems = [f for f in findings if f.status in (Status.FAIL, Status.WARN)]
    if not problems:
        endpoint = next(
            (f.message for f in findings if f.object and f.object.kind == "Service"), ""
        )
        notes = [f"{f.object.name} {f.message}" for f in findings if f.object and _recovered(f)]
        service = next(
            (f.object.name for f in findings if f.object and f.object.kind == "Service"), ""
        )
        return (
            f"{rollouts}"
            + (f"; Service {service} has {endpoint}" if endpoint else "")
            + "".join(f"; {note}" for note in notes[:1])
        )
    pods = [f for f in problems if f.object and f.object.kind == "Pod"]
    if pods:
        first = pods[0].message.split(";")[0]
        return f"{rollouts}; {len(pods)} pod(s) not ready, e.g. {first}"
    return f"{rollouts}; {problems[0].message}"
