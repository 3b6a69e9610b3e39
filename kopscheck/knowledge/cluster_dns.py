"""Which Service is the cluster's DNS: found the way kubelets find it, not by one name.

Kubelets write their `clusterDNS` address into every pod's resolv.conf; the Service holding that
ClusterIP is the cluster DNS, whatever it is called (kops and kubeadm: `kube-system/kube-dns`;
RKE2: `kube-system/rke2-coredns-rke2-coredns`, labelled `k8s-app=kube-dns`). Where no kubelet
config says the address, the well-known labels decide, and the name `kube-dns` last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kopscheck.knowledge.kubelet_flags import daemon_args, parse_args
from kopscheck.model.facts import JSON, KopsCluster, NodeFiles, Service

DNS_NAMESPACE = "kube-system"
DNS_SERVICE = "kube-dns"
# Labels the DNS Services of kops, kubeadm, RKE2, k3s, EKS, AKS and minikube carry.
DNS_LABELS = (("k8s-app", "kube-dns"), ("k8s-app", "coredns"), ("kubernetes.io/name", "CoreDNS"))


@dataclass(frozen=True, slots=True)
class ClusterDns:
    """The kubelets' DNS addresses and where they were read."""

    addresses: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class DnsService:
    service: Service | None
    how: str  # how it was found, or what was looked for when it was not


def kubelet_cluster_dns(
    node_files: Mapping[str, NodeFiles] | None, cluster: KopsCluster | None
) -> ClusterDns | None:
    """`clusterDNS` from the kubelets' running config, argv or sysconfig, else the kops spec."""
    for name, files in sorted((node_files or {}).items()):
        found = _from_node(files)
        if found:
            return ClusterDns(found[0], f"{found[1]} of node {name}")
    spec = cluster.spec if cluster is not None else {}
    kubelet = spec.get("kubelet")
    if isinstance(kubelet, Mapping) and isinstance(kubelet.get("clusterDNS"), str):
        return ClusterDns(_split(str(kubelet["clusterDNS"])), "kops spec (spec.kubelet.clusterDNS)")
    kube_dns = spec.get("kubeDNS")
    if isinstance(kube_dns, Mapping) and isinstance(kube_dns.get("serverIP"), str):
        return ClusterDns(_split(str(kube_dns["serverIP"])), "kops spec (spec.kubeDNS.serverIP)")
    return None


def _from_node(files: NodeFiles) -> tuple[tuple[str, ...], str] | None:
    if files.configz is not None:
        addresses = _addresses(files.configz.get("clusterDNS"))
        if addresses:
            return addresses, "configz clusterDNS"
    args: Sequence[str] = ()
    if files.kubelet_cmdline:
        args = files.kubelet_cmdline
    elif files.sysconfig_kubelet and (found := daemon_args(files.sysconfig_kubelet)):
        args = found[1]
    value = parse_args(args).get("cluster-dns", "")
    return (_split(value), "kubelet --cluster-dns") if value else None


def _addresses(value: JSON) -> tuple[str, ...]:
    if isinstance(value, str):
        return _split(value)
    if isinstance(value, Sequence):
        return tuple(str(v) for v in value if isinstance(v, str) and v)
    return ()


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def find_dns_service(services: Sequence[Service], kubelets: ClusterDns | None) -> DnsService:
    """The Service at the kubelets' clusterDNS, else one with a DNS label, else kube-dns."""
    if kubelets is not None:
        at = [s for s in services if s.cluster_ip and s.cluster_ip in kubelets.addresses]
        if at:
            return DnsService(at[0], f"ClusterIP {at[0].cluster_ip}: the {kubelets.source}")
    system = [s for s in services if s.namespace == DNS_NAMESPACE]
    looked = (
        f"no Service at the {kubelets.source} {', '.join(kubelets.addresses)}; "
        if kubelets is not None
        else ""
    )
    for key, value in DNS_LABELS:
        labelled = sorted(
            (s for s in system if s.labels.get(key) == value), key=lambda s: s.name != DNS_SERVICE
        )
        if labelled:
            return DnsService(labelled[0], f"{looked}label {key}={value}")
    named = next((s for s in system if s.name == DNS_SERVICE), None)
    wanted = [f"{k}={v}" for k, v in DNS_LABELS]
    if named is not None:
        return DnsService(named, f"{looked}the name {DNS_NAMESPACE}/{DNS_SERVICE}")
    return DnsService(
        None,
        f"{looked}none in {DNS_NAMESPACE} labelled {' or '.join(wanted)} or named {DNS_SERVICE}",
    )
