"""CreateImage, DescribeImages, DeleteImage: parse, call `models.images`, shape."""

from __future__ import annotations

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.clock import iso
from ecs_dr.sandbox.errors import InvalidDescriptionMalformed, InvalidParameter
from ecs_dr.sandbox.models.images import (
    IMAGE_STATUSES,
    ImageRequest,
    MappingRequest,
    all_images,
    create_image,
    delete_image,
    image_size,
    image_usage,
)
from ecs_dr.sandbox.models.resources import Image, Region
from ecs_dr.sandbox.models.tags import has_tags, tags_body
from ecs_dr.sandbox.params import Params
from ecs_dr.sandbox.responses.registry import Body, action, create_tagged, paginate_pages

OWNER_ALIASES = ("system", "self", "others", "marketplace")
# DescribeImages without ImageOwnerAlias lists these, and without Status only Available images.
DEFAULT_ALIASES = ("system", "self", "others")
DEFAULT_STATUSES = ("Available",)
ARCHITECTURES = ("x86_64", "i386", "arm64")


@action("CreateImage")
def create_image_action(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    request = ImageRequest(
        image_name=params.text("ImageName", max_length=1024),
        description=_description(params),
        snapshot_id=params.text("SnapshotId"),
        mappings=[
            _mapping(n, item) for n, item in enumerate(params.structs("DiskDeviceMapping"), 1)
        ],
        instance_id=params.text("InstanceId"),
        platform=params.text("Platform"),
        architecture=params.choice("Architecture", ARCHITECTURES, default="x86_64") or "x86_64",
    )
    tags = params.tags()
    if params.boolean("DryRun"):
        create_image(backend, region, request, dry_run=True)

    image_id = create_tagged(
        backend,
        region,
        params,
        lambda: create_image(backend, region, request),
        action_name="CreateImage",
        resource_type="image",
        tags=tags,
    )
    return {"ImageId": image_id}


def _description(params: Params) -> str:
    description = params.text("Description", max_length=4096) or ""
    if len(description) > 256 or description.startswith(("http://", "https://")):
        raise InvalidDescriptionMalformed()
    return description


def _mapping(number: int, item: dict[str, str]) -> MappingRequest:
    """One DiskDeviceMapping.N, read with its full parameter names so errors name them."""
    name = f"DiskDeviceMapping.{number}."
    sub = Params({name + key: value for key, value in item.items()})
    return MappingRequest(
        snapshot_id=sub.text(name + "SnapshotId"),
        size=sub.integer(name + "Size"),
        device=sub.text(name + "Device"),
        disk_type=sub.text(name + "DiskType"),
        format=sub.text(name + "Format") or "",
    )


@action("DescribeImages")
def describe_images(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    ids = _comma_list(params, "ImageId")
    statuses = _comma_list(params, "Status") or list(DEFAULT_STATUSES)
    for status in statuses:
        if status not in IMAGE_STATUSES:
            raise InvalidParameter(
                "Status", f"{status!r} is not one of {', '.join(IMAGE_STATUSES)}"
            )
    alias = params.choice("ImageOwnerAlias", OWNER_ALIASES)
    aliases = (alias,) if alias is not None else DEFAULT_ALIASES
    # "Fuzzy search is supported" (the page and the SDK's docstring): read as broadly as it
    # goes, a name containing the text in any case, so a caller must compare the results.
    name = params.text("ImageName", max_length=1024)
    wanted_tags = params.tags()
    now = backend.now()
    found = [
        image
        for image in all_images(region)
        if (not ids or image.image_id in ids)
        and (name is None or name.lower() in image.image_name.lower())
        and image.lifecycle.status(now) in statuses
        and image.image_owner_alias in aliases
        and has_tags(region, "image", image.image_id, wanted_tags)
    ]
    page, paging = paginate_pages(found, params)
    return {
        "RegionId": region.region_id,
        "Images": {"Image": [_image_body(region, image, now) for image in page]},
        **paging,
    }


def _comma_list(params: Params, name: str) -> list[str]:
    value = params.text(name, max_length=4096)
    return [part.strip() for part in value.split(",") if part.strip()] if value else []


def _image_body(region: Region, image: Image, now: float) -> Body:
    status = image.lifecycle.status(now)
    percent = image.lifecycle.progress(now)
    # A failed image never reached 100%; saying so keeps pollers from reading it as done.
    progress = f"{min(percent, 99) if status == 'CreateFailed' else percent}%"
    return {
        "ImageId": image.image_id,
        "ImageName": image.image_name,
        "Description": image.description,
        "Status": status,
        "Progress": progress,
        "Size": image_size(image),
        "CreationTime": iso(image.created_at),
        "DiskDeviceMappings": {
            "DiskDeviceMapping": [
                {
                    "Device": m.device,
                    "Type": m.type,
                    "SnapshotId": m.snapshot_id,
                    "Size": str(m.size),
                    "Format": m.format,
                    "Progress": progress,
                    "Encrypted": False,
                }
                for m in image.mappings
            ]
        },
        "OSName": image.os_name,
        "OSNameEn": image.os_name,
        "OSType": "linux",
        "Platform": image.platform,
        "Architecture": image.architecture,
        "ImageOwnerAlias": image.image_owner_alias,
        "IsPublic": image.image_owner_alias == "system",
        "IsSelfShared": "",
        "IsCopied": False,
        "IsSubscribed": False,
        "IsSupportIoOptimized": True,
        "IsSupportCloudinit": True,
        "Usable": status == "Available",
        "Usage": image_usage(region, image.image_id),
        "BootMode": "BIOS",
        "ImageFamily": "",
        "ImageVersion": "",
        "ProductCode": "",
        "ResourceGroupId": "",
        "Tags": tags_body(region, "image", image.image_id),
    }


@action("DeleteImage")
def delete_image_action(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    delete_image(region, params.required_text("ImageId"), params.boolean("Force"), backend.now())
    return {}
