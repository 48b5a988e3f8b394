"""Free nvidia.com/gpu on a cluster's nodes, from the API's node and pod JSON.

Kubernetes itself would leave a pod that asks for more GPUs than any node has
free Pending until one frees up; the hub checks first so the user is told at
once, and why. The hub reads the pods of its own namespace only (its Role), so
what other namespaces' pods hold is not counted here; the scheduler's verdict
on the pod itself covers that (LabKubeSpawner).
"""

RESOURCE = "nvidia.com/gpu"
# Whose server a pod is (set by LabKubeSpawner, read back here).
USER_LABEL = "dsenv.hub.user"
# Taint effects that keep a pod off a node unless it tolerates them.
_BLOCKING = {"NoSchedule", "NoExecute"}


def tolerates(tolerations: list, taint: dict) -> bool:
    """Whether one of the tolerations (core/v1 Toleration dicts) lets a pod onto a node with `taint`."""
    for t in tolerations:
        if t.get("effect") and t["effect"] != taint.get("effect"):
            continue
        operator = t.get("operator", "Equal")
        if operator == "Exists" and not t.get("key"):
            return True  # an empty key with Exists tolerates every taint
        if t.get("key") != taint.get("key"):
            continue
        if operator == "Exists" or t.get("value", "") == taint.get("value", ""):
            return True
    return False


def usable(node: dict, node_selector: dict, tolerations: list) -> bool:
    """A Ready, schedulable node whose labels match the selector and whose blocking taints are all tolerated."""
    spec, status = node.get("spec") or {}, node.get("status") or {}
    if spec.get("unschedulable"):
        return False
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
    if not ready:
        return False
    labels = (node.get("metadata") or {}).get("labels") or {}
    if any(labels.get(k) != v for k, v in (node_selector or {}).items()):
        return False
    return all(tolerates(tolerations, t) for t in spec.get("taints") or [] if t.get("effect") in _BLOCKING)


def pod_gpus(pod: dict) -> int:
    """nvidia.com/gpu a pod holds: its containers' limits (an extended resource's request equals its limit)."""
    total = 0
    for container in (pod.get("spec") or {}).get("containers") or []:
        resources = container.get("resources") or {}
        amount = (resources.get("limits") or {}).get(RESOURCE) or (resources.get("requests") or {}).get(RESOURCE)
        total += int(amount or 0)
    return total


def holder(pod: dict) -> str:
    """Who a pod is, for the refusal message: the hub user whose server it is, else the pod's name."""
    metadata = pod.get("metadata") or {}
    return (metadata.get("labels") or {}).get(USER_LABEL) or metadata.get("name", "?")


def free_on_nodes(nodes: list, pods: list, node_selector: dict, tolerations: list) -> list:
    """(node name, free GPUs, {holder: GPUs}) for each usable node that advertises nvidia.com/gpu."""
    out = []
    for node in nodes:
        if not usable(node, node_selector, tolerations):
            continue
        name = node["metadata"]["name"]
        allocatable = int(((node.get("status") or {}).get("allocatable") or {}).get(RESOURCE) or 0)
        if not allocatable:
            continue
        held: dict = {}
        for pod in pods:
            if (pod.get("spec") or {}).get("nodeName") != name:
                continue
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue  # a finished pod holds nothing
            units = pod_gpus(pod)
            if units:
                held[holder(pod)] = held.get(holder(pod), 0) + units
        out.append((name, allocatable - sum(held.values()), held))
    return out


def unschedulable_reason(pod: dict) -> str | None:
    """The scheduler's message when it found no node for the pod (PodScheduled False, Unschedulable); else None."""
    for condition in (pod or {}).get("status", {}).get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("status") == "False":
            if condition.get("reason") == "Unschedulable":
                return condition.get("message") or "no node fits"
    return None
