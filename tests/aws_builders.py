"""AWS responses shaped like `aws ... --output json` prints them, and a kubenet cluster made of them.

Used by the AWS tests and by tools/make_demo_bundles.py (scenario `kubenet-route-limit`), so the
demo bundle, the offline fixtures and the moto-backed tests describe the same kind of cluster.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import kube_builders as kb

Obj = dict[str, Any]
ACCOUNT = "123456789012"
REGION = "us-east-1"
QUOTA_NAME = "Routes per route table"
LAUNCH = "2026-11-27T08:45:12+00:00"


def hexid(prefix: str, seed: str, length: int = 17) -> str:
    return f"{prefix}-{hashlib.md5(seed.encode()).hexdigest()[:length]}"


def tag_list(tags: dict[str, str]) -> list[Obj]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def kops_tags(cluster: str, ig: str | None = None, role: str | None = None) -> dict[str, str]:
    """The tags kops puts on what it creates (instances, ASGs, route tables)."""
    tags = {"KubernetesCluster": cluster, "Name": f"{ig}.{cluster}" if ig else cluster}
    if ig:
        tags["kops.k8s.io/instancegroup"] = ig
        tags["k8s.io/cluster-autoscaler/node-template/label/kops.k8s.io/instancegroup"] = ig
    if role:
        tags[f"k8s.io/role/{role}"] = "1"
    tags[f"kubernetes.io/cluster/{cluster}"] = "owned"
    return tags


def local_route(cidr: str) -> Obj:
    return {
        "DestinationCidrBlock": cidr,
        "GatewayId": "local",
        "Origin": "CreateRouteTable",
        "State": "active",
    }


def gateway_route(cidr: str, gateway: str) -> Obj:
    return {
        "DestinationCidrBlock": cidr,
        "GatewayId": gateway,
        "Origin": "CreateRoute",
        "State": "active",
    }


def instance_route(cidr: str, instance_id: str, state: str = "active") -> Obj:
    """What the route controller's CreateRoute(InstanceId=...) leaves in the table."""
    return {
        "DestinationCidrBlock": cidr,
        "InstanceId": instance_id,
        "InstanceOwnerId": ACCOUNT,
        "NetworkInterfaceId": hexid("eni", instance_id),
        "Origin": "CreateRoute",
        "State": state,
    }


def route_table(
    rtb: str, vpc: str, routes: list[Obj], tags: dict[str, str], subnets: tuple[str, ...] = ()
) -> Obj:
    return {
        "Associations": [
            {
                "Main": False,
                "RouteTableAssociationId": hexid("rtbassoc", rtb + s),
                "RouteTableId": rtb,
                "SubnetId": s,
                "AssociationState": {"State": "associated"},
            }
            for s in subnets
        ],
        "PropagatingVgws": [],
        "RouteTableId": rtb,
        "Routes": routes,
        "Tags": tag_list(tags),
        "VpcId": vpc,
        "OwnerId": ACCOUNT,
    }


def instance(
    instance_id: str,
    private_ip: str,
    vpc: str,
    subnet: str,
    tags: dict[str, str],
    state: str = "running",
    source_dest_check: bool = False,
    zone: str = "us-east-1a",
    groups: list[tuple[str, str]] | None = None,
) -> Obj:
    """An instance as describe-instances prints it; `groups` (id, name) on it and its interface."""
    codes = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopped": 80}
    dns = f"ip-{private_ip.replace('.', '-')}.ec2.internal"
    eni = hexid("eni", instance_id)
    doc: Obj = {
        "AmiLaunchIndex": 0,
        "ImageId": "ami-0e2c8caa4b6378d8c",
        "InstanceId": instance_id,
        "InstanceType": "m6i.large",
        "LaunchTime": LAUNCH,
        "Monitoring": {"State": "disabled"},
        "Placement": {"AvailabilityZone": zone, "GroupName": "", "Tenancy": "default"},
        "PrivateDnsName": dns if state != "terminated" else "",
        "PrivateIpAddress": private_ip if state != "terminated" else None,
        "ProductCodes": [],
        "PublicDnsName": "",
        "State": {"Code": codes[state], "Name": state},
        "StateTransitionReason": "",
        "SubnetId": subnet if state != "terminated" else None,
        "VpcId": vpc if state != "terminated" else None,
        "Architecture": "x86_64",
        "ClientToken": hexid("fleet", instance_id, 8) + "-" + instance_id[-4:],
        "EbsOptimized": True,
        "EnaSupport": True,
        "Hypervisor": "xen",
        "NetworkInterfaces": []
        if state == "terminated"
        else [
            {
                "Attachment": {"DeviceIndex": 0, "Status": "attached", "AttachTime": LAUNCH},
                "NetworkInterfaceId": eni,
                "OwnerId": ACCOUNT,
                "PrivateIpAddress": private_ip,
                "SourceDestCheck": source_dest_check,
                "Status": "in-use",
                "SubnetId": subnet,
                "VpcId": vpc,
            }
        ],
        "RootDeviceName": "/dev/sda1",
        "RootDeviceType": "ebs",
        "SourceDestCheck": source_dest_check,
        "Tags": tag_list(tags),
        "VirtualizationType": "hvm",
        "MetadataOptions": {
            "State": "applied",
            "HttpTokens": "required",
            "HttpEndpoint": "enabled",
        },
    }
    if groups is not None and state != "terminated":
        listed = [{"GroupId": gid, "GroupName": name} for gid, name in groups]
        doc["SecurityGroups"] = listed
        doc["NetworkInterfaces"][0]["Groups"] = listed
    return doc


def permission(
    protocol: str,
    ports: tuple[int, int] | None = None,
    groups: tuple[str, ...] = (),
    cidrs: tuple[str, ...] = (),
    ipv6: tuple[str, ...] = (),
    prefix_lists: tuple[str, ...] = (),
) -> Obj:
    """One IpPermission as describe-security-groups prints it (no ports for protocol -1)."""
    rule: Obj = {"IpProtocol": protocol}
    if ports is not None:
        rule["FromPort"], rule["ToPort"] = ports
    rule["UserIdGroupPairs"] = [{"UserId": ACCOUNT, "GroupId": g} for g in groups]
    rule["IpRanges"] = [{"CidrIp": c} for c in cidrs]
    rule["Ipv6Ranges"] = [{"CidrIpv6": c} for c in ipv6]
    rule["PrefixListIds"] = [{"PrefixListId": p} for p in prefix_lists]
    return rule


ALL_OUT = permission("-1", cidrs=("0.0.0.0/0",), ipv6=("::/0",))  # kops: ipv4/ipv6-*-egress
SSH_FROM_ANYWHERE = permission("tcp", (22, 22), cidrs=("0.0.0.0/0",))  # kops's sshAccess default


def security_group(
    group_id: str,
    name: str,
    vpc: str,
    description: str,
    ingress: list[Obj],
    tags: dict[str, str],
    egress: list[Obj] | None = None,
) -> Obj:
    """A group as `aws ec2 describe-security-groups --output json` prints it (egress: kops's
    all traffic out unless given, as a hardened account may replace it)."""
    return {
        "GroupId": group_id,
        "IpPermissionsEgress": [ALL_OUT] if egress is None else egress,
        "Tags": tag_list(tags),
        "VpcId": vpc,
        "SecurityGroupArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{group_id}",
        "OwnerId": ACCOUNT,
        "GroupName": name,
        "Description": description,
        "IpPermissions": ingress,
    }


def kops_security_groups(
    cluster: str, vpc: str, nodes: str, masters: str, nodes_egress: list[Obj] | None = None
) -> list[Obj]:
    """The two groups kops creates (pkg/model/awsmodel/firewall.go, external_access.go): nodes
    admit all from nodes and masters (all-node-to-node, all-master-to-node) and SSH; masters
    admit all from masters, node-to-master TCP and UDP but the etcd ports, SSH and HTTPS. Both
    let all traffic out (ipv4/ipv6-node-egress), unless `nodes_egress` replaces the nodes'."""
    node_rules = [
        permission("-1", groups=(masters, nodes)),
        SSH_FROM_ANYWHERE,  # ssh-external-to-node
    ]
    master_rules = [
        permission("-1", groups=(masters,)),
        permission("tcp", (1, 2379), groups=(nodes,)),
        permission("tcp", (2382, 4000), groups=(nodes,)),
        permission("tcp", (4003, 65535), groups=(nodes,)),
        permission("udp", (1, 65535), groups=(nodes,)),
        SSH_FROM_ANYWHERE,  # ssh-external-to-master
        permission("tcp", (443, 443), cidrs=("0.0.0.0/0",)),  # https-external-to-master
    ]
    return [
        security_group(
            nodes,
            f"nodes.{cluster}",
            vpc,
            "Security group for nodes",
            node_rules,
            kops_tags(cluster) | {"Name": f"nodes.{cluster}"},
            nodes_egress,
        ),
        security_group(
            masters,
            f"masters.{cluster}",
            vpc,
            "Security group for masters",
            master_rules,
            kops_tags(cluster) | {"Name": f"masters.{cluster}"},
        ),
    ]


def describe_instances(instances: list[Obj]) -> Obj:
    """One reservation per ASG launch, as EC2 reports instances an ASG started one by one."""
    return {
        "Reservations": [
            {
                "ReservationId": hexid("r", i["InstanceId"]),
                "OwnerId": ACCOUNT,
                "Groups": [],
                "Instances": [i],
            }
            for i in instances
        ]
    }


def autoscaling_group(
    name: str, min_size: int, max_size: int, instance_ids: list[str], tags: dict[str, str]
) -> Obj:
    return {
        "AutoScalingGroupName": name,
        "AutoScalingGroupARN": f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:{hexid('', name, 8)[1:]}-0000-4000-8000-000000000000:autoScalingGroupName/{name}",
        "LaunchTemplate": {
            "LaunchTemplateId": hexid("lt", name),
            "LaunchTemplateName": name,
            "Version": "1",
        },
        "MinSize": min_size,
        "MaxSize": max_size,
        "DesiredCapacity": len(instance_ids),
        "DefaultCooldown": 300,
        "AvailabilityZones": ["us-east-1a"],
        "LoadBalancerNames": [],
        "TargetGroupARNs": [],
        "HealthCheckType": "EC2",
        "HealthCheckGracePeriod": 0,
        "Instances": [
            {
                "InstanceId": i,
                "InstanceType": "m6i.large",
                "AvailabilityZone": "us-east-1a",
                "LifecycleState": "InService",
                "HealthStatus": "Healthy",
                "ProtectedFromScaleIn": False,
            }
            for i in instance_ids
        ],
        "CreatedTime": "2026-11-27T08:44:51.118000+00:00",
        "SuspendedProcesses": [],
        "VPCZoneIdentifier": "subnet-0c4e1a7f93b2d8e15",
        "EnabledMetrics": [],
        "Tags": [
            {
                "ResourceId": name,
                "ResourceType": "auto-scaling-group",
                "Key": k,
                "Value": v,
                "PropagateAtLaunch": True,
            }
            for k, v in tags.items()
        ],
        "TerminationPolicies": ["Default"],
        "NewInstancesProtectedFromScaleIn": False,
        "ServiceLinkedRoleARN": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
        "CapacityRebalance": False,
    }


def quota(value: float, applied: bool = True) -> Obj:
    """`aws service-quotas get-service-quota` (applied) or `get-aws-default-service-quota`."""
    account = ACCOUNT if applied else ""
    doc: Obj = {
        "ServiceCode": "vpc",
        "ServiceName": "Amazon Virtual Private Cloud (Amazon VPC)",
        "QuotaArn": f"arn:aws:servicequotas:{REGION}:{account}:vpc/L-93826ACB",
        "QuotaCode": "L-93826ACB",
        "QuotaName": QUOTA_NAME,
        "Value": float(value),
        "Unit": "None",
        "Adjustable": True,
        "GlobalQuota": False,
    }
    if applied:
        doc["QuotaAppliedAtLevel"] = "ACCOUNT"
    return {"Quota": doc}


def write_aws(root: Path, docs: dict[str, Obj]) -> None:
    """Write `aws/<file>` documents the way the AWS CLI prints JSON."""
    (root / "aws").mkdir(parents=True, exist_ok=True)
    for name, doc in docs.items():
        (root / "aws" / name).write_text(json.dumps(doc, indent=4) + "\n")


JOINED = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
ROUTE_LIMIT = (
    'Could not create route {uid} {cidr} for node {node} after 38.117262ms: error creating AWS route ({cidr}): "RouteLimitExceeded: '
    'The maximum number of routes has been reached.\\n\\tstatus code: 400, request id: {req}"'
)
NO_ROUTE = ("True", "NoRouteCreated", "RouteController failed to create a route")
ROUTE_CREATED = ("False", "RouteCreated", "RouteController created a route")


@dataclass
class KubenetCluster:
    """A kops kubenet cluster on AWS: one control-plane node, `workers` nodes, one route table.

    Node 0 is the control plane. The first `routed` nodes have their route; the rest sit
    NetworkUnavailable/NoRouteCreated with FailedToCreateRoute RouteLimitExceeded events.
    """

    workers: int = 59
    routed: int | None = None
    nodes_max: int = 70
    name: str = "kubenet-demo.k8s.local"
    vpc: str = "vpc-0f3a9c2e7b1d45a60"
    subnet: str = "subnet-0c4e1a7f93b2d8e15"
    rtb: str = "rtb-0b7d3f9a1c5e2d846"
    igw: str = "igw-06a2c9e4f1b7d3580"
    extra_routes: list[Obj] = field(default_factory=list)
    events_expired: bool = False  # older than the API server's one-hour event TTL
    # kops's groups on the instances and in aws/ec2-describe-security-groups.json; a node
    # index in `own_groups` carries that group instead (listed in `extra_groups`)
    security_groups: bool = False
    own_groups: dict[int, tuple[str, str]] = field(default_factory=dict)
    extra_groups: list[Obj] = field(default_factory=list)
    nodes_egress: list[Obj] | None = None  # the nodes group's egress rules (None: kops's)

    @property
    def nodes_group(self) -> str:
        return hexid("sg", f"nodes.{self.name}")

    @property
    def masters_group(self) -> str:
        return hexid("sg", f"masters.{self.name}")

    def groups_of(self, i: int) -> list[tuple[str, str]] | None:
        if not self.security_groups:
            return None
        if i in self.own_groups:
            return [self.own_groups[i]]
        role = "masters" if i == 0 else "nodes"
        return [(self.masters_group if i == 0 else self.nodes_group, f"{role}.{self.name}")]

    def describe_security_groups(self) -> Obj:
        kops = kops_security_groups(
            self.name, self.vpc, self.nodes_group, self.masters_group, self.nodes_egress
        )
        return {"SecurityGroups": kops + self.extra_groups}

    @property
    def count(self) -> int:
        return self.workers + 1

    def instance_id(self, i: int) -> str:
        return hexid("i", f"{self.name}/{i}")

    def ip(self, i: int) -> str:
        return f"172.20.{32 + i // 250}.{10 + i % 250}"

    def pod_cidr(self, i: int) -> str:
        return f"100.{96 + i // 256}.{i % 256}.0/24"

    def ig(self, i: int) -> str:
        return "control-plane-us-east-1a" if i == 0 else "nodes-us-east-1a"

    def is_routed(self, i: int) -> bool:
        return self.routed is None or i < self.routed

    def nodes(self) -> list[Obj]:
        out = []
        for i in range(self.count):
            routed = self.is_routed(i)
            taints = (
                []
                if routed
                else [
                    {
                        "key": "node.kubernetes.io/network-unavailable",
                        "effect": "NoSchedule",
                        "timeAdded": "2026-11-27T09:58:40Z",
                    }
                ]
            )
            out.append(
                kb.node(
                    self.instance_id(i),
                    self.ip(i),
                    self.pod_cidr(i),
                    instance_group=self.ig(i),
                    control_plane=i == 0,
                    network_unavailable=ROUTE_CREATED if routed else NO_ROUTE,
                    taints=taints,
                )
            )
            # Nodes joined one a minute, in index order: the last ones are the newest.
            joined = JOINED + timedelta(minutes=i)
            out[-1]["metadata"]["creationTimestamp"] = joined.strftime("%Y-%m-%dT%H:%M:%SZ")
        return out

    def events(self) -> list[Obj]:
        if self.events_expired:
            return []
        return [
            kb.event(
                ("Node", "", self.instance_id(i)),
                "FailedToCreateRoute",
                ROUTE_LIMIT.format(
                    uid=kb.uid(f"/{self.instance_id(i)}/"),
                    cidr=self.pod_cidr(i),
                    node=self.instance_id(i),
                    req=kb.uid(f"req{i}"),
                ),
                count=37,
                component="route_controller",
                last="2026-11-27T10:14:41Z",
            )
            for i in range(self.count)
            if not self.is_routed(i)
        ]

    def routes(self) -> list[Obj]:
        routes = [local_route("172.20.0.0/16"), gateway_route("0.0.0.0/0", self.igw)]
        routes += [
            instance_route(self.pod_cidr(i), self.instance_id(i))
            for i in range(self.count)
            if self.is_routed(i)
        ]
        return routes + self.extra_routes

    def table_tags(self) -> dict[str, str]:
        return {**kops_tags(self.name), "kubernetes.io/kops/role": "public"}

    def route_tables(self) -> Obj:
        return {
            "RouteTables": [
                route_table(self.rtb, self.vpc, self.routes(), self.table_tags(), (self.subnet,))
            ]
        }

    def instance_docs(self) -> list[Obj]:
        return [
            instance(
                self.instance_id(i),
                self.ip(i),
                self.vpc,
                self.subnet,
                kops_tags(self.name, self.ig(i), "control-plane" if i == 0 else "node"),
                groups=self.groups_of(i),
            )
            for i in range(self.count)
        ]

    def instances(self) -> Obj:
        return describe_instances(self.instance_docs())

    def asgs(self) -> Obj:
        groups = []
        for ig, lo, hi, members in (
            ("control-plane-us-east-1a", 1, 1, [0]),
            ("nodes-us-east-1a", self.workers, self.nodes_max, list(range(1, self.count))),
        ):
            role = "control-plane" if ig.startswith("control") else "node"
            ids = [self.instance_id(i) for i in members]
            groups.append(
                autoscaling_group(f"{ig}.{self.name}", lo, hi, ids, kops_tags(self.name, ig, role))
            )
        return {"AutoScalingGroups": groups}

    def instance_groups(self) -> list[tuple[str, str, int, int]]:
        """(name, role, minSize, maxSize) as `kops get ig` shows them."""
        return [
            ("control-plane-us-east-1a", "ControlPlane", 1, 1),
            ("nodes-us-east-1a", "Node", self.workers, self.nodes_max),
        ]

    def aws_docs(self, quota_value: float = 50, applied: bool = True) -> dict[str, Obj]:
        docs = {
            "ec2-describe-route-tables.json": self.route_tables(),
            "ec2-describe-instances.json": self.instances(),
            "autoscaling-describe-auto-scaling-groups.json": self.asgs(),
            "service-quotas-vpc-L-93826ACB.json": quota(quota_value, applied),
        }
        if self.security_groups:
            docs["ec2-describe-security-groups.json"] = self.describe_security_groups()
        return docs


def kops_cluster(name: str, networking: dict[str, Any]) -> Obj:
    """`kops get cluster NAME -o yaml`, trimmed to what a kubenet cluster on AWS sets."""
    return {
        "apiVersion": "kops.k8s.io/v1alpha2",
        "kind": "Cluster",
        "metadata": {"creationTimestamp": "2026-11-27T08:41:02Z", "name": name},
        "spec": {
            "api": {"loadBalancer": {"class": "Network", "type": "Public"}},
            "channel": "stable",
            "cloudProvider": "aws",
            "configBase": f"s3://kops-state-demo/{name}",
            "kubernetesVersion": "1.32.4",
            "networkCIDR": "172.20.0.0/16",
            "networking": networking,
            "nonMasqueradeCIDR": "100.64.0.0/10",
            "podCIDR": "100.96.0.0/11",
            "serviceClusterIPRange": "100.64.0.0/13",
            "subnets": [
                {
                    "cidr": "172.20.32.0/19",
                    "name": "us-east-1a",
                    "type": "Public",
                    "zone": "us-east-1a",
                }
            ],
            "topology": {"dns": {"type": "None"}},
        },
    }


def kops_instance_groups(name: str, groups: list[tuple[str, str, int, int]]) -> list[Obj]:
    """`kops get ig --name NAME -o yaml`: one document per instance group."""
    return [
        {
            "apiVersion": "kops.k8s.io/v1alpha2",
            "kind": "InstanceGroup",
            "metadata": {
                "creationTimestamp": "2026-11-27T08:41:03Z",
                "labels": {"kops.k8s.io/cluster": name},
                "name": ig,
            },
            "spec": {
                "image": "099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241109",
                "machineType": "m6i.large",
                "maxSize": hi,
                "minSize": lo,
                "role": role,
                "subnets": ["us-east-1a"],
            },
        }
        for ig, role, lo, hi in groups
    ]


def write_kops(root: Path, cluster: KubenetCluster, networking: dict[str, Any]) -> None:
    import yaml

    (root / "kops").mkdir(parents=True, exist_ok=True)
    (root / "kops" / "cluster.yaml").write_text(
        yaml.safe_dump(kops_cluster(cluster.name, networking))
    )
    groups = kops_instance_groups(cluster.name, cluster.instance_groups())
    (root / "kops" / "instancegroups.yaml").write_text(yaml.safe_dump_all(groups))


def write_bundle(
    root: Path,
    cluster: KubenetCluster,
    quota_value: float = 50,
    applied: bool = True,
    networking: dict[str, Any] | None = None,
    aws: dict[str, Obj | None] | None = None,
    kops: bool = True,
) -> Path:
    """A CONTRACT §4 bundle of the cluster; `aws` replaces (or, with None, drops) aws/ files."""
    kb.write_cluster_info(root, cluster.nodes(), {"default": {"events.json": cluster.events()}})
    if kops:
        write_kops(root, cluster, networking if networking is not None else {"kubenet": {}})
    docs: dict[str, Obj | None] = {**cluster.aws_docs(quota_value, applied), **(aws or {})}
    write_aws(root, {k: v for k, v in docs.items() if v is not None})
    return root
