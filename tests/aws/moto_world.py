"""A kops kubenet cluster built in moto the way kops builds it on AWS.

kops tags the VPC, subnet, internet gateway and route table with `KubernetesCluster=NAME` and
`kubernetes.io/cluster/NAME=owned`, and runs every instance group as an ASG whose tags reach
the instances. The route controller then adds one route per node (podCIDR -> InstanceId) and
turns source/destination check off on that instance. The Kubernetes side (nodes) is built
with kube_builders for the same instances, so a snapshot can hold both.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aws_builders as ab
import boto3
import kube_builders as kb
from snapshots import add_objects

from kopscheck.collectors.formats import kops_spec
from kopscheck.collectors.formats.assemble import KubeObjects
from kopscheck.model.facts import Fact, Snapshot

NAME = "kubenet-demo.k8s.local"
REGION = "us-east-1"


def tags(values: dict[str, str], resource: str) -> list[dict[str, Any]]:
    return [{"ResourceType": resource, "Tags": ab.tag_list(values)}]


@dataclass
class World:
    name: str
    vpc: str
    subnet: str
    rtb: str
    instances: list[str]  # node order: the control plane first
    ips: dict[str, str]
    groups: list[tuple[str, str, int, int]]
    ec2: Any = field(repr=False)
    nodes_group: str = ""  # kops's security groups (nodes.NAME, masters.NAME)
    masters_group: str = ""

    def pod_cidr(self, index: int) -> str:
        return f"100.{96 + index // 256}.{index % 256}.0/24"

    def add_route(self, index: int, instance_id: str | None = None) -> None:
        target = instance_id or self.instances[index]
        self.ec2.create_route(
            RouteTableId=self.rtb, DestinationCidrBlock=self.pod_cidr(index), InstanceId=target
        )
        self.ec2.modify_instance_attribute(InstanceId=target, SourceDestCheck={"Value": False})

    def nodes(self) -> list[dict[str, Any]]:
        return [
            kb.node(
                instance_id,
                self.ips[instance_id],
                self.pod_cidr(i),
                instance_group=self.groups[0][0] if i == 0 else self.groups[1][0],
                control_plane=i == 0,
            )
            for i, instance_id in enumerate(self.instances)
        ]

    def snapshot(self, networking: dict[str, Any] | None = None) -> Snapshot:
        """The Kubernetes and kops facts of a live run; the AWS ones come from the collector."""
        kube = KubeObjects()
        add_objects(kube, "Node", self.nodes())
        cluster = ab.kops_cluster(self.name, networking or {"kubenet": {}})
        fields: dict[str, Any] = {
            **kube.fields(),
            "kops_cluster": kops_spec.parse_cluster([cluster], "kops"),
            "kops_instance_groups": kops_spec.parse_instance_groups(
                list(ab.kops_instance_groups(self.name, self.groups)), "kops"
            ),
        }
        missing = {
            f: "not collected in this test"
            for f in Fact
            if fields.get(f.value.replace("-", "_")) is None
        }
        return Snapshot(
            source="live",
            observed_at=datetime(2026, 11, 27, 10, 15, tzinfo=UTC),
            cluster_name=self.name,
            missing=missing,
            **fields,
        )


def build_world(
    workers: int = 5,
    nodes_max: int = 8,
    routed: int | None = None,
    name: str = NAME,
    user_data: str | None = None,
    asgs: bool = True,
) -> World:
    ec2 = boto3.client("ec2", region_name=REGION)
    autoscaling = boto3.client("autoscaling", region_name=REGION)
    cluster_tags = ab.kops_tags(name)
    vpc = ec2.create_vpc(CidrBlock="172.20.0.0/16", TagSpecifications=tags(cluster_tags, "vpc"))
    vpc_id = vpc["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(
        VpcId=vpc_id,
        CidrBlock="172.20.32.0/19",
        AvailabilityZone="us-east-1a",
        TagSpecifications=tags({**cluster_tags, "Name": f"us-east-1a.{name}"}, "subnet"),
    )["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway(TagSpecifications=tags(cluster_tags, "internet-gateway"))
    igw_id = igw["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    table_tags = {**cluster_tags, "kubernetes.io/kops/role": "public"}
    rtb = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=tags(table_tags, "route-table"))
    rtb_id = rtb["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    ec2.associate_route_table(RouteTableId=rtb_id, SubnetId=subnet)
    groups = [
        ("control-plane-us-east-1a", "ControlPlane", 1, 1),
        ("nodes-us-east-1a", "Node", workers, nodes_max),
    ]
    nodes_group, masters_group = kops_security_groups(ec2, name, vpc_id)
    instances: list[str] = []
    ips: dict[str, str] = {}
    for ig, role, size, most in groups:
        kops_role = "control-plane" if role == "ControlPlane" else "node"
        group = masters_group if role == "ControlPlane" else nodes_group
        if asgs:
            instances += _asg(
                ec2, autoscaling, name, (ig, kops_role, group), size, most, subnet, user_data
            )
        else:  # bulk launch with the cluster tags only: moto's tag filters are slow at scale
            launched = ec2.run_instances(
                ImageId="ami-0e2c8caa4b6378d8c",
                MinCount=size,
                MaxCount=size,
                SubnetId=subnet,
                SecurityGroupIds=[group],
            )
            ids = sorted(i["InstanceId"] for i in launched["Instances"])
            ips |= {i["InstanceId"]: i["PrivateIpAddress"] for i in launched["Instances"]}
            ec2.create_tags(Resources=ids, Tags=ab.tag_list(_scale_tags(name, ig)))
            instances += ids
    unknown = [i for i in instances if i not in ips]
    if unknown:
        pages = ec2.get_paginator("describe_instances").paginate(InstanceIds=unknown)
        ips |= {
            i["InstanceId"]: i["PrivateIpAddress"]
            for page in pages
            for r in page["Reservations"]
            for i in r["Instances"]
        }
    world = World(
        name, vpc_id, subnet, rtb_id, instances, ips, groups, ec2, nodes_group, masters_group
    )
    for index in range(len(instances)):
        if routed is None or index < routed:
            world.add_route(index)
    return world


def _scale_tags(name: str, ig: str) -> dict[str, str]:
    return {
        "KubernetesCluster": name,
        f"kubernetes.io/cluster/{name}": "owned",
        "kops.k8s.io/instancegroup": ig,
    }


def kops_security_groups(ec2: Any, name: str, vpc: str) -> tuple[str, str]:
    """kops's nodes and masters groups with kops's rules (aws_builders.kops_security_groups)."""
    made = {}
    for role, description in (
        ("nodes", "Security group for nodes"),
        ("masters", "Security group for masters"),
    ):
        made[role] = ec2.create_security_group(
            GroupName=f"{role}.{name}",
            Description=description,
            VpcId=vpc,
            TagSpecifications=tags(
                ab.kops_tags(name) | {"Name": f"{role}.{name}"}, "security-group"
            ),
        )["GroupId"]
    for doc in ab.kops_security_groups(name, vpc, made["nodes"], made["masters"]):
        ec2.authorize_security_group_ingress(
            GroupId=doc["GroupId"], IpPermissions=doc["IpPermissions"]
        )
        ec2.authorize_security_group_egress(
            GroupId=doc["GroupId"], IpPermissions=[ab.permission("-1", ipv6=("::/0",))]
        )
    return made["nodes"], made["masters"]


def _asg(
    ec2: Any,
    autoscaling: Any,
    name: str,
    ig_role_group: tuple[str, str, str],
    size: int,
    most: int,
    subnet: str,
    user_data: str | None,
) -> list[str]:
    """An instance group as kops runs it: an ASG whose tags reach its instances, its launch
    template naming the role's security group."""
    ig, role, group = ig_role_group
    data: dict[str, Any] = {
        "ImageId": "ami-0e2c8caa4b6378d8c",
        "InstanceType": "m6i.large",
        "SecurityGroupIds": [group],
    }
    if user_data:  # launch templates carry user data base64-encoded
        data["UserData"] = base64.b64encode(user_data.encode()).decode()
    template = ec2.create_launch_template(
        LaunchTemplateName=f"{ig}.{name}", LaunchTemplateData=data
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=f"{ig}.{name}",
        LaunchTemplate={
            "LaunchTemplateId": template["LaunchTemplate"]["LaunchTemplateId"],
            "Version": "1",
        },
        MinSize=size,
        MaxSize=most,
        DesiredCapacity=size,
        VPCZoneIdentifier=subnet,
        Tags=[
            {"Key": k, "Value": v, "PropagateAtLaunch": True}
            for k, v in ab.kops_tags(name, ig, role).items()
        ],
    )
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[f"{ig}.{name}"])
    return sorted(i["InstanceId"] for i in group["AutoScalingGroups"][0]["Instances"])
