"""Which GPU ids a server gets on one engine: ids of its own, none held by another server."""


class GpusNotFree(Exception):
    """Fewer GPUs are free than a server asks for; the message says who holds them."""


def refusal_message(wanted: int, free: int, holders: dict, idle_minutes: int) -> str:
    """The text a refused user reads: how many are free, who holds the others, when idle ones go."""
    held = ", ".join(f"{user} ({n})" for user, n in sorted(holders.items())) or "nobody"
    return f"{wanted} GPU(s) asked for, {free} free; held by: {held}; {when_free(idle_minutes)}"


def when_free(idle_minutes: int) -> str:
    """The end of a refusal: when GPUs come back, and what to do."""
    culling = (
        f"idle servers are stopped after {idle_minutes} minutes"
        if idle_minutes
        else "idle servers are not stopped automatically"
    )
    return f"{culling}. Try again later or ask a holder to stop their server."


def allocate(wanted: int, engine_gpus: list, held: dict, idle_minutes: int) -> list:
    """The first `wanted` ids of engine_gpus that are not in `held` (id -> user holding it).

    Raises GpusNotFree when fewer are free.
    """
    free = [gpu for gpu in engine_gpus if gpu not in held]
    if len(free) < wanted:
        holders: dict = {}
        for user in held.values():
            holders[user] = holders.get(user, 0) + 1
        raise GpusNotFree(refusal_message(wanted, len(free), holders, idle_minutes))
    return free[:wanted]


def held_by_containers(containers: list, label: str) -> dict:
    """GPU id -> user, from the engine's containers (docker-py container dicts) carrying `label`.

    The label's value is "<user>:<id>,<id>"; the engine, not the hub's memory, is
    the record, so what servers hold survives a hub restart.
    """
    held = {}
    for container in containers:
        if container.get("State") in ("exited", "dead"):
            continue  # a stopped server holds nothing (servers are removed when stopped anyway)
        value = (container.get("Labels") or {}).get(label, "")
        user, _, ids = value.partition(":")
        for gpu in filter(None, ids.split(",")):
            held[gpu] = user
    return held
