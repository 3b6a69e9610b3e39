"""`kubenet-route-limit`: kubenet at 60 nodes with the route table full, as aws_builders
makes it for the AWS tests too."""

from __future__ import annotations

from pathlib import Path

import kube_builders as kb
import yaml

from demo_bundles.common import (
    COREDNS_IMAGE,
    KS,
    coredns_deployment,
    default_ns,
    dns_service,
    kops_controller_ds,
    kops_files,
)


def kubenet_route_limit(root: Path) -> None:
    """kubenet at 60 nodes: the route table is full (50 of 50), 12 nodes have no route; kops's
    security groups on the instances."""
    import aws_builders as ab

    cluster = ab.KubenetCluster(workers=59, routed=48, nodes_max=70, security_groups=True)
    kops_files(root, cluster.name, {"kubenet": {}})
    groups = ab.kops_instance_groups(cluster.name, cluster.instance_groups())
    (root / "kops" / "instancegroups.yaml").write_text(yaml.safe_dump_all(groups, sort_keys=True))
    cp, cp_ip = cluster.instance_id(0), cluster.ip(0)
    pods = []
    for component in ("kube-apiserver", "kube-controller-manager", "kube-scheduler"):
        image = f"registry.k8s.io/{component}:v1.32.4"
        pods.append(
            kb.pod(
                f"{component}-{cp}",
                KS,
                {"k8s-app": component},
                ("Node", cp),
                image,
                component,
                node_name=cp,
                pod_ip=cp_ip,
                host_ip=cp_ip,
                host_network=True,
                statuses=[kb.container_status(component, image)],
                priority_class="system-cluster-critical",
            )
        )
    ccm_image = "registry.k8s.io/provider-aws/cloud-controller-manager:v1.32.1"
    pods.append(
        kb.pod(
            "aws-cloud-controller-manager-7xw2d",
            KS,
            {"k8s-app": "aws-cloud-controller-manager"},
            ("DaemonSet", "aws-cloud-controller-manager"),
            ccm_image,
            "aws-cloud-controller-manager",
            node_name=cp,
            pod_ip=cp_ip,
            host_ip=cp_ip,
            host_network=True,
            statuses=[kb.container_status("aws-cloud-controller-manager", ccm_image)],
            priority_class="system-cluster-critical",
        )
    )
    coredns = [
        kb.pod(
            n,
            KS,
            {"k8s-app": "kube-dns", "pod-template-hash": "7d8f9c6b5"},
            ("ReplicaSet", "coredns-7d8f9c6b5"),
            COREDNS_IMAGE,
            "coredns",
            node_name=cluster.instance_id(i),
            pod_ip=cluster.pod_cidr(i).replace(".0/24", ".3"),
            host_ip=cluster.ip(i),
            statuses=[kb.container_status("coredns", COREDNS_IMAGE)],
        )
        for n, i in (("coredns-7d8f9c6b5-4xk2m", 1), ("coredns-7d8f9c6b5-p9wqz", 2))
    ]
    ccm_ds = kb.daemonset(
        "aws-cloud-controller-manager",
        KS,
        {
            "k8s-addon": "aws-cloud-controller.addons.k8s.io",
            "k8s-app": "aws-cloud-controller-manager",
        },
        {"k8s-app": "aws-cloud-controller-manager"},
        ccm_image,
        1,
        1,
        node_selector={"node-role.kubernetes.io/control-plane": ""},
    )
    kb.write_cluster_info(
        root,
        cluster.nodes(),
        {
            KS: {
                "pods.json": pods + coredns,
                "deployments.json": [coredns_deployment(2)],
                "daemonsets.json": [kops_controller_ds(), ccm_ds],
                "services.json": [dns_service()],
                "endpoints.json": [
                    kb.endpoints(
                        "kube-dns",
                        KS,
                        [
                            (c["status"]["podIP"], c["spec"]["nodeName"], c["metadata"]["name"])
                            for c in coredns
                        ],
                    )
                ],
            },
            "default": {**default_ns(), "events.json": cluster.events()},
        },
    )
    ab.write_aws(root, cluster.aws_docs(quota_value=50))
    (root / "README.md").write_text(
        "# kubenet at 60 nodes: the AWS route table is full, 12 nodes NoRouteCreated\n\n"
        "The origin document's kubenet limit: one route per node in the cluster's route table,\n"
        "50 routes allowed. The table holds 50 of 50 (local, internet gateway, 48 nodes), so the\n"
        "route controller's CreateRoute fails with RouteLimitExceeded and 12 nodes stay\n"
        "NetworkUnavailable (NoRouteCreated). The nodes instance group may grow to 70.\n"
    )
