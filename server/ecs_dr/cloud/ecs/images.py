"""Custom images: create one from snapshots, describe it in any status, wait for it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ecs_dr.cloud.ecs._sdk import disk_kind, items, percent, progress_of, tag_list
from ecs_dr.cloud.errors import NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.polls import Describe, read
from ecs_dr.cloud.sdk import ecs
from ecs_dr.cloud.timing import Timing
from ecs_dr.cloud.waiters import (
    IMAGE_AVAILABLE,
    Waiter,
)
from ecs_dr.domain.models import Image, ImageDiskMapping
from ecs_dr.domain.recovery_points import TaggedImage
from ecs_dr.domain.statuses import ImageStatus


async def create_image(
    gw: EcsGateway,
    region_id: str,
    name: str,
    mappings: Sequence[ImageDiskMapping],
    client_token: str,
    tags: Mapping[str, str],
) -> str:
    """A custom image holding one snapshot per mapping; returns its id."""
    request = ecs.CreateImageRequest(
        image_name=name,
        disk_device_mapping=[
            ecs.CreateImageRequestDiskDeviceMapping(
                device=m.device, disk_type=m.kind, snapshot_id=m.snapshot_id, size=m.size_gib
            )
            for m in mappings
        ],
        client_token=client_token,
        tag=tag_list(ecs.CreateImageRequestTag, tags),
    )
    body = await gw.call(region_id, "CreateImage", request)
    return str(body.image_id)


# DescribeImages hides every image that is not Available unless Status names it.
EVERY_IMAGE_STATUS = ",".join(ImageStatus)

IMAGES = Describe(
    "DescribeImages",
    ecs.DescribeImagesRequest,
    "images.image",
    ImageStatus,
    # ImageId takes ids separated by commas (DescribeImages' older reference; the current
    # one states no limit): at most a page of them, PageSize's maximum of 100.
    ids="value",
    request_extra={"status": EVERY_IMAGE_STATUS},
    progress=progress_of,
    page_field="page_size",
)


async def _images(gw: EcsGateway, region_id: str, **filters: str) -> list[Image]:
    request = ecs.DescribeImagesRequest(status=EVERY_IMAGE_STATUS, **filters)
    return [image_from(i) for i in await gw.collect(region_id, "DescribeImages", request)]


async def describe_image(gw: EcsGateway, region_id: str, image_id: str) -> Image:
    """The image in any status; raises NotFound when the region lacks it."""
    found = await read(gw, region_id, IMAGES, image_id)
    if found is None:
        raise NotFound(
            "InvalidImageId.NotFound",
            f"no image {image_id} in {region_id}; build one with create_full_image",
            action="DescribeImages",
            region_id=region_id,
        )
    return image_from(found)


async def images_named(gw: EcsGateway, region_id: str, name: str) -> list[Image]:
    """This account's images called exactly `name`, in any status (DescribeImages' ImageName
    is a fuzzy match: `recovery-web` also finds `recovery-web-2`)."""
    found = await _images(gw, region_id, image_name=name, image_owner_alias="self")
    return [i for i in found if i.name == name]


async def images_tagged(gw: EcsGateway, region_id: str, key: str, value: str) -> list[TaggedImage]:
    """This account's images (any status) carrying the tag `key`=`value`, with their tags."""
    request = ecs.DescribeImagesRequest(
        status=EVERY_IMAGE_STATUS,
        image_owner_alias="self",
        tag=[ecs.DescribeImagesRequestTag(key=key, value=value)],
    )
    return [
        TaggedImage(
            image=image_from(i),
            tags={t.tag_key: t.tag_value or "" for t in items(i.tags, "tag")},
        )
        for i in await gw.collect(region_id, "DescribeImages", request)
    ]


def image_from(i: Any) -> Image:
    """The image an SDK item describes, with its disk mappings."""
    return Image(
        image_id=i.image_id,
        name=i.image_name or "",
        status=i.status,
        progress=percent(i.progress) or 0,
        mappings=[
            ImageDiskMapping(
                device=m.device,
                kind=disk_kind(m.type),
                snapshot_id=m.snapshot_id or "",
                size_gib=int(m.size or 0),
            )
            for m in items(i.disk_device_mappings, "disk_device_mapping")
        ],
    )


async def _waited_image(gw: EcsGateway, region_id: str, item: Any, timing: Timing) -> Image:
    return image_from(item)


wait_image = Waiter(IMAGES, IMAGE_AVAILABLE, _waited_image)
"""Wait for `Available`; CreateFailed, UnAvailable and Deprecated end the wait."""
