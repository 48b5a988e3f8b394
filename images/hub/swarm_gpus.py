"""Free NVIDIA-GPU generic resources on a swarm's nodes, from `docker node inspect` and task JSON.

Swarm itself would leave a service pending forever when no node has the GPUs it
reserves; the hub checks first so the user is told at once, and why.
"""
import re

KIND = "NVIDIA-GPU"
# Task states in which a task no longer holds what it reserved.
_ENDED = {"complete", "failed", "shutdown", "rejected", "orphaned", "remove"}


def gpu_count(generic_resources) -> int:
    """How many NVIDIA-GPU units a GenericResources list names (discrete counts or named ids)."""
    total = 0
    for resource in generic_resources or []:
        if "DiscreteResourceSpec" in resource and resource["DiscreteResourceSpec"]["Kind"] == KIND:
            total += int(resource["DiscreteResourceSpec"]["Value"])
        elif "NamedResourceSpec" in resource and resource["NamedResourceSpec"]["Kind"] == KIND:
            total += 1
    return total


def _node_attribute(node: dict, key: str):
    if key == "node.id":
        return node.get("ID")
    if key == "node.hostname":
        return node.get("Description", {}).get("Hostname")
    if key == "node.role":
        return node.get("Spec", {}).get("Role")
    if key.startswith("node.labels."):
        return (node.get("Spec", {}).get("Labels") or {}).get(key[len("node.labels."):])
    raise ValueError(f"placement constraint on {key!r}: only node.id, node.hostname, node.role and node.labels.* are understood")


def matches(node: dict, constraint: str) -> bool:
    """Whether a node meets a placement constraint such as node.labels.x==true (or !=)."""
    found = re.fullmatch(r"\s*([\w.-]+)\s*(==|!=)\s*(.*?)\s*", constraint)
    if not found:
        raise ValueError(f"placement constraint {constraint!r} is not KEY==VALUE or KEY!=VALUE")
    key, op, value = found.groups()
    equal = _node_attribute(node, key) == value
    return equal if op == "==" else not equal


def reserved_on(node_id: str, tasks: list) -> dict:
    """service name -> NVIDIA-GPU units reserved by the live tasks on a node."""
    reserved = {}
    for task in tasks:
        if task.get("NodeID") != node_id or task.get("DesiredState") != "running":
            continue
        if task.get("Status", {}).get("State") in _ENDED:
            continue
        spec = task.get("Spec", {}).get("Resources", {}).get("Reservations", {})
        units = gpu_count(spec.get("GenericResources"))
        if units:
            service = task.get("ServiceName") or task.get("ServiceID", "?")
            reserved[service] = reserved.get(service, 0) + units
    return reserved


def free_on_nodes(nodes: list, tasks: list, constraints: list) -> list:
    """(node hostname, free units, {service: units held}) for each ready, active node meeting the constraints."""
    out = []
    for node in nodes:
        if node.get("Spec", {}).get("Availability") != "active" or node.get("Status", {}).get("State") != "ready":
            continue
        if not all(matches(node, c) for c in constraints):
            continue
        advertised = gpu_count(node.get("Description", {}).get("Resources", {}).get("GenericResources"))
        held = reserved_on(node["ID"], tasks)
        out.append((node.get("Description", {}).get("Hostname", node["ID"]), advertised - sum(held.values()), held))
    return out
