"""Batched polling: the waits of one kind of resource in one region, across every operation
on a gateway, share one Describe call per poll round (issue 19.2).

A fleet waits on dozens of images, instances and snapshot groups at once; polled one by one,
the polls alone spend most of its QPS budget. Here a wait whose pause is over calls Describe
for its own resource and for every other resource of its kind being waited on (up to the
API's limit of ids per call), and hands each of them the answer: a wait that gets an answer
before its pause is over takes it as its poll, so a round costs one call, not one per wait.
Each wait keeps its own acceptors, timeouts, progress and errors (`cloud.waiters.wait`).
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from ecs_dr.cloud.errors import CloudError
from ecs_dr.cloud.gateway import EcsGateway

# A Describe call lists 10 items unless asked for more.
DEFAULT_PAGE = 10


@dataclass(frozen=True)
class Describe:
    """How to find one kind of resource: the Describe action and its request model, where the
    items are in the answer (`"disks.disk"`: `body.disks.disk`, each with its id in `disk_id`),
    the kind's status enum, how the request names its ids (`ids`: DiskIds as a JSON array
    string, SnapshotGroupId.N as a list, ImageId as comma-separated values), how many ids one
    call takes (`max_ids`, the API's documented limit), the request field that sets how many
    items a page holds (`page_field`), and an item's progress."""

    action: str
    request_type: type[Any]
    items: str
    statuses: type[StrEnum]
    ids: Literal["value", "list", "json_list"] = "json_list"
    request_extra: Mapping[str, Any] = field(default_factory=dict)
    progress: Callable[[Any], int | None] | None = None
    max_ids: int = 100
    page_field: str = "max_results"

    @property
    def id_field(self) -> str:
        return f"{self.items.rsplit('.', 1)[-1]}_id"

    @property
    def id_param(self) -> str:
        """ECS names a JSON array of ids in the plural (DiskIds), one id in the singular."""
        return f"{self.id_field}s" if self.ids == "json_list" else self.id_field

    def request(self, *resource_ids: str) -> Any:
        """The request for these ids (at most `max_ids`), with a page that holds them all."""
        if len(resource_ids) > self.max_ids:
            raise ValueError(f"{self.action} takes at most {self.max_ids} ids per call")
        ids: object = {
            "value": ",".join(resource_ids),
            "list": list(resource_ids),
            "json_list": json.dumps(list(resource_ids)),
        }[self.ids]
        page = {self.page_field: len(resource_ids)} if len(resource_ids) > DEFAULT_PAGE else {}
        return self.request_type(**{self.id_param: ids, **page, **self.request_extra})

    def find(self, body: Any, resource_id: str) -> Any | None:
        """The resource's item in a response body, or None when it is not listed."""
        node = body
        for attribute in self.items.split("."):
            node = getattr(node, attribute, None) if node is not None else None
        for item in node or ():
            if getattr(item, self.id_field, None) == resource_id:
                return item
        return None


Answer = Any | CloudError
"""A Describe call's response body, or the error it failed with."""


class Watch:
    """One wait's place among the waits of its kind: the answers other waits' polls bring
    it, and its own poll when none came in time."""

    def __init__(self, kind: _Kind, resource_id: str) -> None:
        self.kind = kind
        self.resource_id = resource_id
        self._answer: Answer | None = None
        self._answered = asyncio.Event()

    def deliver(self, answer: Answer) -> None:
        self._answer = answer
        self._answered.set()

    @property
    def answered(self) -> bool:
        return self._answered.is_set()

    async def next_answer(self, pause_s: float, sleep: Callable[[float], Awaitable[None]]) -> Any:
        """The response body of the next Describe call that lists this resource: one another
        wait's poll brings within `pause_s`, else this wait's own. Raises the CloudError that
        call failed with."""
        if pause_s > 0 and not self.answered:
            await _first_of(self._answered.wait(), sleep(pause_s))
        else:
            # Waits started together (asyncio.gather) all join the first call.
            await asyncio.sleep(0)
        while not self.answered:
            await self.kind.poll(self)
        answer, self._answer = self._answer, None
        self._answered.clear()
        if isinstance(answer, CloudError):
            raise answer.with_traceback(None)
        return answer


class _Batch:
    """One Describe call of a kind: open to more ids until it is sent, which is when it has
    its slot under the rate limit, so that the polls that come while it waits join it."""

    def __init__(self, kind: _Kind) -> None:
        self.kind = kind
        self.members: set[Watch] = set()
        self.ids: list[str] = []
        self.sent = False
        self.done = asyncio.Event()

    def join(self, watch: Watch) -> bool:
        """Add `watch` unless the call was sent or holds as many ids as the API takes."""
        if self.sent:
            return False
        if watch.resource_id not in self.ids:
            if len(self.ids) == self.kind.describe.max_ids:
                return False
            self.ids.append(watch.resource_id)
        self.members.add(watch)
        return True

    def send(self) -> Any:
        """The request, with the waits of the kind that are in no call yet while room lasts."""
        for other in self.kind.watches:
            if not self.kind.in_a_batch(other) and not self.join(other):
                break
        self.sent = True
        return self.kind.describe.request(*self.ids)


class _Kind:
    """The waits of one Describe in one region, and its calls not answered yet."""

    def __init__(self, gateway: EcsGateway, region: str, describe: Describe) -> None:
        self.gateway = gateway
        self.region = region
        self.describe = describe
        self.watches: list[Watch] = []
        self.batches: list[_Batch] = []

    def in_a_batch(self, watch: Watch) -> bool:
        return any(watch in batch.members for batch in self.batches)

    async def poll(self, watch: Watch) -> None:
        """Join the call that lists `watch` already or is still open, else make one. A call
        whose maker was cancelled answers nobody: its waits poll again."""
        for batch in self.batches:
            if watch in batch.members or batch.join(watch):
                await batch.done.wait()
                return
        batch = _Batch(self)
        batch.join(watch)
        self.batches.append(batch)
        try:
            try:
                answer: Answer = await self.gateway.call(
                    self.region,
                    self.describe.action,
                    self.describe.request(),
                    sending=batch.send,
                )
            except CloudError as error:
                answer = error
            for member in batch.members:
                member.deliver(answer)
        finally:
            self.batches.remove(batch)
            batch.done.set()


class PollBatcher:
    """The batched polls of one gateway, by region and Describe action."""

    def __init__(self, gateway: EcsGateway) -> None:
        self._gateway = gateway
        self._kinds: dict[tuple[str, str], _Kind] = {}

    @contextmanager
    def watch(self, region: str, describe: Describe, resource_id: str) -> Iterator[Watch]:
        """A wait's Watch for as long as it waits; a wait that ends (or is cancelled) leaves."""
        key = (region, describe.action)
        kind = self._kinds.get(key)
        if kind is None:
            kind = self._kinds[key] = _Kind(self._gateway, region, describe)
        watch = Watch(kind, resource_id)
        kind.watches.append(watch)
        try:
            yield watch
        finally:
            kind.watches.remove(watch)


_BATCHERS: weakref.WeakKeyDictionary[EcsGateway, PollBatcher] = weakref.WeakKeyDictionary()


def poll_batcher(gateway: EcsGateway) -> PollBatcher:
    """The gateway's batcher: every wait on one gateway shares it."""
    batcher = _BATCHERS.get(gateway)
    if batcher is None:
        batcher = _BATCHERS[gateway] = PollBatcher(gateway)
    return batcher


async def read(gateway: EcsGateway, region: str, describe: Describe, resource_id: str) -> Any:
    """The resource's item as a Describe call of its kind lists it now (None when it does
    not), that call shared with the polls and reads of the kind that come while it waits for
    its slot. Raises the CloudError of the call."""
    with poll_batcher(gateway).watch(region, describe, resource_id) as watch:
        body = await watch.next_answer(0.0, asyncio.sleep)
    return describe.find(body, resource_id)


async def _first_of(*awaitables: Awaitable[object]) -> None:
    """Wait until the first of these is done; cancel the others."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
    for task in done:
        task.result()
