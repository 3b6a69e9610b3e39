"""How a kops networking mode carries pod traffic between two nodes, as far as the kops spec
fixes it: inside a tunnel (the packet a security group sees comes from the sending node's
address, in the tunnel's protocol), or as the pod sent it (native routing), or not known.

Only what the spec (`spec.networking.*`, read with kops's own defaults) decides is answered;
anything else (a mode or option kopscheck does not model, encryption, an IPv6 cluster, a node
outside the spec's subnets) is None, so no security group is judged on a guess. Sources:
- calico: kops docs/networking/calico.md ("By default, kOps uses the IP-in-IP encapsulation
  mode"; "Cross-subnet mode is the default mode in kOps 1.22+"), and kops's
  template_functions.go (`CalicoIPv4PoolIPIPMode`: `ipipMode`, else "Always" on OpenStack,
  else "CrossSubnet"; the same for `vxlanMode`). IP-in-IP is IP protocol 4 (RFC 2003);
  VXLAN is Felix's `VXLANPort`, default 4789 (calico reference/felix/configuration.md).
- cilium: kops pkg/model/components/cilium.go (`tunnel` defaults to "disabled" with
  `ipam: eni` or IPv6, else "vxlan"); docs.cilium.io network/concepts/routing ("VXLAN
  (Default) 8472/UDP, Geneve 6081/UDP"); "disabled" is native routing.
- flannel: kops template_functions.go ("Defaulting flannel backend to udp"); flannel
  Documentation/backends.md (vxlan `Port` "on Linux, defaults to kernel default, currently
  8472"; udp `Port` "Defaults to 8285").
- amazonvpc: pods get VPC addresses, no tunnel; with `ENABLE_POD_ENI` pods send from branch
  interfaces with their own groups, which is not modelled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from kopscheck.knowledge.networking import cloud_provider
from kopscheck.knowledge.networking_modes import BY_NAME
from kopscheck.model.facts import JSON, KopsCluster

IP_IN_IP = "4"  # the IP protocol number EC2 writes for IP-in-IP


@dataclass(frozen=True, slots=True)
class Tunnel:
    """The outer packet an overlay puts on the wire between two nodes."""

    protocol: str  # "udp", or an IP protocol number ("4")
    port: int | None  # the UDP destination port; None for a protocol without ports
    name: str  # "cilium VXLAN"


@dataclass(frozen=True, slots=True)
class Carriage:
    """How one pair of nodes exchanges pod traffic: in `tunnel`, or as sent (None)."""

    tunnel: Tunnel | None


@dataclass(frozen=True, slots=True)
class Wire:
    """A mode's way of carrying pod traffic, as the spec fixes it.

    `cross_subnet_only`: the tunnel is used only between nodes of different subnets (calico's
    CrossSubnet), which `subnets` (the kops spec's) tell apart. `plain_node_port`: a host's
    request to another node's NodePort arrives as sent; cilium's and calico's eBPF
    load balancers may translate it at the sender, so it is not judged there.
    """

    mode: str
    tunnel: Tunnel | None
    source: str  # what fixed it, from known values only (never a spec's free text)
    cross_subnet_only: bool = False
    subnets: tuple[IPv4Network, ...] = ()
    plain_node_port: bool = True

    def between(self, source_ip: str, destination_ip: str) -> Carriage | None:
        """The carriage between two nodes' addresses; None when it cannot be told."""
        if self.tunnel is None or not self.cross_subnet_only:
            return Carriage(self.tunnel)
        ends = [self._subnet(source_ip), self._subnet(destination_ip)]
        if None in ends:
            return None
        return Carriage(None if ends[0] == ends[1] else self.tunnel)

    def _subnet(self, text: str) -> IPv4Network | None:
        try:
            address = IPv4Address(text.strip())
        except ValueError:
            return None
        return next((s for s in self.subnets if address in s), None)


def native(mode: str, source: str) -> Wire:
    """A mode whose pods' packets cross the VPC as sent (kubenet, amazonvpc)."""
    return Wire(mode, None, source)


def spec_wire(mode: str, cluster: KopsCluster | None) -> Wire | None:
    """The wire of `mode` from the kops spec; None when the spec does not fix it."""
    if cluster is None or ":" in str(cluster.spec.get("nonMasqueradeCIDR") or ""):
        return None
    reader, spec = _READERS.get(mode), BY_NAME.get(mode)
    keys = spec.spec_keys if spec else ()
    options = next((cluster.networking[k] for k in keys if k in cluster.networking), None)
    if reader is None or not isinstance(options, Mapping):
        return None
    return reader(options, cluster)


def _calico(options: Mapping[str, JSON], cluster: KopsCluster) -> Wire | None:
    if options.get("wireguardEnabled") is True:
        return None  # WireGuard wraps the tunnel in UDP of its own
    encapsulation = str(options.get("encapsulationMode") or "ipip").lower()
    tunnels = {
        "ipip": (Tunnel(IP_IN_IP, None, "calico IP-in-IP"), "ipipMode"),
        "vxlan": (Tunnel("udp", 4789, "calico VXLAN"), "vxlanMode"),
    }
    if encapsulation not in tunnels:
        return None
    tunnel, key = tunnels[encapsulation]
    default = "Always" if cloud_provider(cluster) == "openstack" else "CrossSubnet"
    how = str(options.get(key) or default)
    source = f"spec.networking.calico: encapsulationMode {encapsulation}, {key} {how}"
    plain = options.get("bpfEnabled") is not True
    if how == "Never":
        return Wire("calico", None, source, plain_node_port=plain)
    if how == "Always":
        return Wire("calico", tunnel, source, plain_node_port=plain)
    if how == "CrossSubnet":
        subnets = _subnets(cluster.spec.get("subnets"))
        return Wire("calico", tunnel, source, True, subnets, plain) if subnets else None
    return None


def _cilium(options: Mapping[str, JSON], cluster: KopsCluster) -> Wire | None:
    if options.get("enableEncryption") is True:
        return None  # IPsec or WireGuard carry the pods' traffic instead
    ipam = str(options.get("ipam") or "kubernetes").lower()
    tunnel = str(options.get("tunnel") or ("disabled" if ipam == "eni" else "vxlan")).lower()
    source = f"spec.networking.cilium: tunnel {tunnel}"
    tunnels = {
        "vxlan": Tunnel("udp", 8472, "cilium VXLAN"),
        "geneve": Tunnel("udp", 6081, "cilium Geneve"),
    }
    if tunnel == "disabled":
        return Wire("cilium", None, source, plain_node_port=False)
    found = tunnels.get(tunnel)
    return Wire("cilium", found, source, plain_node_port=False) if found else None


def _flannel(options: Mapping[str, JSON], cluster: KopsCluster) -> Wire | None:
    backend = str(options.get("backend") or "udp").lower()
    tunnels = {
        "vxlan": Tunnel("udp", 8472, "flannel VXLAN"),
        "udp": Tunnel("udp", 8285, "flannel UDP"),
    }
    found = tunnels.get(backend)
    return Wire("flannel", found, f"spec.networking.flannel: backend {backend}") if found else None


def _amazonvpc(options: Mapping[str, JSON], cluster: KopsCluster) -> Wire | None:
    env = options.get("env")
    pairs = env if isinstance(env, Sequence) and not isinstance(env, str) else ()
    for pair in (p for p in pairs if isinstance(p, Mapping)):
        if pair.get("name") == "ENABLE_POD_ENI" and str(pair.get("value")).lower() == "true":
            return None
    return native("amazonvpc", "spec.networking.amazonvpc: pods have VPC addresses")


def _subnets(value: JSON) -> tuple[IPv4Network, ...]:
    """The spec's subnet ranges; empty when any subnet's range is not written (a shared
    subnet by id), since a node could then be in a subnet the spec does not show."""
    found = []
    for subnet in value if isinstance(value, Sequence) and not isinstance(value, str) else ():
        cidr = subnet.get("cidr") if isinstance(subnet, Mapping) else None
        try:
            found.append(IPv4Network(str(cidr), strict=False))
        except ValueError:
            return ()
    return tuple(found)


_READERS = {
    "calico": _calico,
    "cilium": _cilium,
    "cilium-etcd": _cilium,
    "cilium-eni": _cilium,
    "flannel": _flannel,
    "amazonvpc": _amazonvpc,
}
